import type { BlockedTopic, Persona } from "./persona-schema.js";

/** A change that switches off something the code enforces; an edit that makes one must be confirmed. */
export interface Weakening {
  /** Stable key, e.g. "handoff.triggers:refund", "disclosure", "limits.blockedTopics:politics". */
  readonly key: string;
  /** In the owner's words: what the agent will no longer do. */
  readonly message: string;
}

const topicName = (t: BlockedTopic) => (typeof t === "string" ? t : t.topic);
const removed = (before: readonly string[], after: readonly string[]) => {
  const kept = new Set(after.map((s) => s.toLowerCase()));
  return before.filter((s) => !kept.has(s.toLowerCase()));
};

/** What `after` no longer enforces that `before` did: removed triggers, disclosure, topics, blocklist entries, looser limits. */
export function weakeningsOf(before: Persona, after: Persona): Weakening[] {
  const b = before.settings;
  const a = after.settings;
  const out: Weakening[] = [];
  for (const t of removed(b.handoff?.triggers ?? [], a.handoff?.triggers ?? [])) {
    out.push({ key: `handoff.triggers:${t}`, message: `Messages about "${t}" will no longer be handed to a person.` });
  }
  if (b.disclosure && !a.disclosure) out.push({ key: "disclosure", message: "The agent will no longer say that it is an AI in its first reply." });
  if (b.kind === "fan" && a.kind !== "fan")
    out.push({ key: "kind", message: "The agent stops being a fan agent: no AI disclosure and no daily limit per fan are required any more." });
  for (const t of removed(b.limits.blockedTopics.map(topicName), a.limits.blockedTopics.map(topicName))) {
    out.push({ key: `limits.blockedTopics:${t}`, message: `The agent may talk about "${t}" again.` });
  }
  for (const t of removed(b.blocklist, a.blocklist)) out.push({ key: `blocklist:${t}`, message: `Replies may mention "${t}" again.` });
  for (const r of removed(b.rules, a.rules)) out.push({ key: `rules:${r}`, message: `The rule "${r}" is removed.` });
  const looser = (key: "dailyMessagesPerFan" | "maxReplyChars" | "floodMessagesPerMinute", what: string) => {
    const was = b.limits[key];
    const now = a.limits[key];
    if (was !== undefined && (now === undefined || now > was)) out.push({ key: `limits.${key}`, message: `${what}: ${was} → ${now ?? "no limit"}.` });
  };
  looser("dailyMessagesPerFan", "Messages a fan gets answered per day");
  looser("maxReplyChars", "Longest reply (characters)");
  looser("floodMessagesPerMinute", "Messages per minute before the flood notice");
  return out;
}
