// The persona form's values (plain strings and rows, as typed) and the persona the admin API takes.
// personaOf() also says which form input each API field name comes from, so problems land next to it.

import type { PersonaDoc } from "./api.js";
import type { RowValues } from "./persona-rows.js";

/** Which form input a problem is about: a plain input (field), a row's input of a list, or a group of inputs. */
export interface FieldRef {
  readonly list?: ListName;
  readonly row?: number;
  readonly field?: string;
  readonly group?: string;
}
/** A problem as the form shows it: next to its input (ref), named as the form names it. */
export interface FormProblem {
  readonly ref: FieldRef | null;
  readonly label: string;
  readonly message: string;
}
/** personaOf()'s map from API field paths to the form input behind each. */
export type Where = Map<string, { ref: FieldRef; label: string }>;
export type ListName = "facts" | "rules" | "triggers" | "topics" | "blocklist";

/** The form's values: plain strings and rows, as typed. */
export interface FormValues {
  kind: string;
  name: string;
  business: string;
  language: string;
  tone: string;
  disclosure: string;
  voice: string;
  facts: RowValues[];
  rules: RowValues[];
  triggers: RowValues[];
  topics: RowValues[];
  blocklist: RowValues[];
  builtIns: Record<string, boolean>;
  daily: string;
  maxReply: string;
  flood: string;
  ownerChannel: string;
  ownerTo: string;
  replies: Record<string, string>;
}

/** The persona the form sends: the API's shape, with a number as typed when it is not one (the API's problem then shows at its input). */
export interface PersonaDraft {
  readonly settings: Record<string, unknown>;
  readonly voice: string;
}

/** Handoff triggers the code recognises in many wordings (English and Spanish), in the order shown. */
export const BUILT_IN_TRIGGERS = ["human", "refund", "complaint"];
export const REPLY_KEYS = ["fallback", "handoff", "decline", "capNotice", "floodNotice"];
const LISTS: Record<ListName, string[]> = {
  facts: ["label", "text"],
  rules: ["text"],
  triggers: ["text"],
  topics: ["topic", "keywords"],
  blocklist: ["text"],
};

/** Form values for a new persona: the schema's defaults. */
export function blankValues(voice = ""): FormValues {
  return {
    kind: "support",
    name: "",
    business: "",
    language: "English",
    tone: "friendly and brief",
    disclosure: "",
    voice,
    facts: [],
    rules: [],
    triggers: [],
    topics: [],
    blocklist: [],
    builtIns: Object.fromEntries(BUILT_IN_TRIGGERS.map((t) => [t, true])),
    daily: "",
    maxReply: "",
    flood: "10",
    ownerChannel: "admin",
    ownerTo: "",
    replies: Object.fromEntries(REPLY_KEYS.map((k) => [k, ""])),
  };
}

/** The form values of a persona ({settings, voice}, as the API returns it). */
export function valuesOf(persona: PersonaDoc): FormValues {
  const s = persona.settings;
  const triggers = s.handoff?.triggers ?? [];
  const builtIn = (t: string) => BUILT_IN_TRIGGERS.includes(t.toLowerCase());
  return {
    kind: s.kind,
    name: s.name,
    business: s.business,
    language: s.language,
    tone: s.tone,
    disclosure: s.disclosure ?? "",
    voice: persona.voice,
    facts: Object.entries(s.facts).map(([label, text]) => ({ label, text })),
    rules: s.rules.map((text) => ({ text })),
    builtIns: Object.fromEntries(BUILT_IN_TRIGGERS.map((t) => [t, triggers.some((x) => x.toLowerCase() === t)])),
    triggers: triggers.filter((t) => !builtIn(t)).map((text) => ({ text })),
    topics: s.limits.blockedTopics.map((t) =>
      typeof t === "string" ? { topic: t, keywords: "" } : { topic: t.topic, keywords: t.keywords.join(", ") },
    ),
    blocklist: s.blocklist.map((text) => ({ text })),
    daily: numberText(s.limits.dailyMessagesPerFan),
    maxReply: numberText(s.limits.maxReplyChars),
    flood: numberText(s.limits.floodMessagesPerMinute),
    ownerChannel: s.owner.channel,
    ownerTo: s.owner.to,
    replies: Object.fromEntries(REPLY_KEYS.map((k) => [k, s.replies?.[k as keyof typeof s.replies] ?? ""])),
  };
}

const numberText = (n: number | null | undefined) => (n === undefined || n === null ? "" : String(n));
const blank = (row: RowValues) => Object.values(row).every((v) => v.trim() === "");
const keywordList = (text: string) =>
  text
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);

const SIMPLE: (keyof FormValues)[] = [
  "kind",
  "name",
  "business",
  "language",
  "tone",
  "disclosure",
  "voice",
  "daily",
  "maxReply",
  "flood",
  "ownerChannel",
  "ownerTo",
];

/** The values with text trimmed, empty rows left out and keys in one order: equal when the persona they make is the same. */
function normalised(values: FormValues): FormValues {
  const out: Record<string, unknown> = {};
  for (const key of SIMPLE) out[key] = ((values[key] as string | undefined) ?? "").trim();
  out.builtIns = Object.fromEntries(BUILT_IN_TRIGGERS.map((t) => [t, Boolean(values.builtIns[t])]));
  for (const [list, fields] of Object.entries(LISTS) as [ListName, string[]][]) {
    out[list] = values[list]
      .filter((row) => !blank(row))
      .map((row) => Object.fromEntries(fields.map((f) => [f, f === "keywords" ? keywordList(row[f] ?? "").join(", ") : (row[f] ?? "").trim()])));
  }
  out.replies = Object.fromEntries(REPLY_KEYS.map((k) => [k, (values.replies[k] ?? "").trim()]));
  return out as unknown as FormValues;
}

export const sameValues = (a: FormValues, b: FormValues): boolean => JSON.stringify(normalised(a)) === JSON.stringify(normalised(b));

// Numbers as typed: empty means "not set"; anything but digits goes to the API as it is, whose
// "must be a whole number" is then shown next to the input.
function numberOf(text: string): number | string | undefined {
  const t = text.trim();
  if (t === "") return undefined;
  return /^-?\d{1,9}$/.test(t) ? Number(t) : t;
}

/**
 * The persona the values make, the form input behind each API field ("settings.rules[2]" ->
 * {list: "rules", row: 4, field: "text"}, counting the empty rows left out), and the problems only
 * the form can see (a fact without a label, two facts with one label).
 */
export function personaOf(values: FormValues): { persona: PersonaDraft; where: Where; problems: FormProblem[] } {
  const v = normalisedKeepingRows(values);
  const where: Where = new Map();
  const problems: FormProblem[] = [];
  const at = (path: string, ref: FieldRef, label: string) => where.set(path, { ref, label });
  const fan = v.kind === "fan";

  const settings: Record<string, unknown> = { kind: v.kind, name: v.name, business: v.business, language: v.language, tone: v.tone };
  at("settings.kind", { field: "kind" }, "Kind of agent");
  at("settings.name", { field: "name" }, fan ? "Creator's name" : "Agent's name");
  at("settings.business", { field: "business" }, fan ? "Channel or brand" : "Business");
  at("settings.language", { field: "language" }, "Language");
  at("settings.tone", { field: "tone" }, "Tone");

  const facts: [string, string][] = [];
  v.facts.forEach((row, i) => {
    if (blank(row)) return;
    const ref: FieldRef = { list: "facts", row: i, field: "text" };
    const name = row.label ? `Fact “${row.label}”` : `Fact ${i + 1}`;
    if (!row.label) return problems.push({ ref: { ...ref, field: "label" }, label: name, message: "Give this fact a label, for example “hours”." });
    if (row.label.length > 100)
      return problems.push({ ref: { ...ref, field: "label" }, label: name, message: "A label has at most 100 characters." });
    if (facts.some(([label]) => label === row.label))
      return problems.push({ ref: { ...ref, field: "label" }, label: name, message: "Another fact has this label: give each fact its own." });
    facts.push([row.label, row.text ?? ""]);
    at(`settings.facts.${row.label}`, ref, name);
  });
  settings.facts = Object.fromEntries(facts);
  at("settings.facts", { list: "facts" }, "Facts");

  settings.rules = rows(v.rules, "rules", "Rule", (row) => row.text ?? "", at, "settings.rules");

  const builtIns = BUILT_IN_TRIGGERS.filter((t) => v.builtIns[t]);
  const custom = rows(v.triggers, "triggers", "Handoff word", (row) => row.text ?? "", at, "settings.handoff.triggers", builtIns.length);
  // A support agent must hand over for something: an empty list goes to the API, whose message is shown.
  if (builtIns.length + custom.length > 0 || !fan) settings.handoff = { triggers: [...builtIns, ...custom] };
  at("settings.handoff", { group: "handoff" }, "Handing over to a person");
  at("settings.handoff.triggers", { group: "handoff" }, "Handing over to a person");

  if (v.disclosure) settings.disclosure = v.disclosure;
  at("settings.disclosure", { field: "disclosure" }, "Saying it is an AI");

  const topics: (string | { topic: string; keywords: string[] })[] = [];
  v.topics.forEach((row, i) => {
    if (blank(row)) return;
    const name = row.topic ? `Topic “${row.topic}”` : `Topic ${i + 1}`;
    const path = `settings.limits.blockedTopics[${topics.length}]`;
    if (!row.topic)
      return problems.push({ ref: { list: "topics", row: i, field: "topic" }, label: name, message: "Name the topic these words belong to." });
    const keywords = keywordList(row.keywords ?? "");
    topics.push(keywords.length ? { topic: row.topic, keywords } : row.topic);
    at(path, { list: "topics", row: i, field: "topic" }, name);
    at(`${path}.topic`, { list: "topics", row: i, field: "topic" }, name);
    at(`${path}.keywords`, { list: "topics", row: i, field: "keywords" }, `${name}: words`);
  });
  at("settings.limits.blockedTopics", { list: "topics" }, "Topics it does not talk about");

  const limits: Record<string, unknown> = { blockedTopics: topics };
  settings.limits = limits;
  const limit = (key: string, field: "daily" | "maxReply" | "flood", label: string) => {
    const n = numberOf(v[field]);
    if (n !== undefined) limits[key] = n;
    at(`settings.limits.${key}`, { field }, label);
  };
  limit("dailyMessagesPerFan", "daily", fan ? "Messages per fan per day" : "Messages per customer per day");
  limit("maxReplyChars", "maxReply", "Longest reply");
  limit("floodMessagesPerMinute", "flood", "Messages per minute");

  settings.blocklist = rows(v.blocklist, "blocklist", "Blocked word", (row) => row.text ?? "", at, "settings.blocklist");
  settings.owner = { channel: v.ownerChannel, to: v.ownerTo };
  at("settings.owner.channel", { field: "ownerChannel" }, "Where handoffs are announced");
  at("settings.owner.to", { field: "ownerTo" }, "Where handoffs are announced: address");
  const replies: Record<string, string> = {};
  settings.replies = replies;
  for (const key of REPLY_KEYS) {
    if (v.replies[key]) replies[key] = v.replies[key];
    at(`settings.replies.${key}`, { field: `reply-${key}` }, "Own wording of a fixed reply");
  }
  at("voice", { field: "voice" }, "Voice");
  return { persona: { settings, voice: v.voice }, where, problems };
}

/** Non-empty rows as a list; API positions (offset by `first`) mapped to their form rows. */
function rows(
  list: readonly RowValues[],
  name: ListName,
  label: string,
  text: (row: RowValues) => string,
  at: (path: string, ref: FieldRef, label: string) => unknown,
  path: string,
  first = 0,
): string[] {
  const out: string[] = [];
  list.forEach((row, i) => {
    if (blank(row)) return;
    at(`${path}[${first + out.length}]`, { list: name, row: i, field: "text" }, `${label} ${out.length + 1}`);
    out.push(text(row));
  });
  return out;
}

function normalisedKeepingRows(values: FormValues): FormValues {
  const out = normalised({ ...values, ...Object.fromEntries(Object.keys(LISTS).map((list) => [list, []])) });
  for (const list of Object.keys(LISTS) as ListName[])
    out[list] = values[list].map((row) => Object.fromEntries(Object.entries(row).map(([k, s]) => [k, s.trim()])));
  return out;
}

/** What must be filled in before a save can work, by the names the form shows ([] when nothing is missing). */
export function missingFields(values: FormValues): string[] {
  const v = normalised(values);
  const fan = v.kind === "fan";
  const missing: string[] = [];
  if (!v.name) missing.push(fan ? "Creator's name" : "Agent's name");
  if (!v.business) missing.push(fan ? "Channel or brand" : "Business");
  if (fan && !v.disclosure) missing.push("Saying it is an AI");
  if (fan && !v.daily) missing.push("Messages per fan per day");
  if (!fan && !Object.values(v.builtIns).some(Boolean) && v.triggers.length === 0) missing.push("Handing over to a person");
  if (!v.ownerTo) missing.push("Where handoffs are announced: address");
  if (!v.voice) missing.push("Voice");
  return missing;
}
