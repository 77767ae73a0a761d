import { personaFileHash } from "./persona-hash.js";
import type { Persona } from "./persona-schema.js";
import { FACTS_HEADING, RULES_HEADING, generatedRules, renderSystemPrompt } from "./render-persona.js";
import { validatePersona } from "./validate-persona.js";

// Versions stored before a persona was versioned whole held one text (the system prompt) and, for
// those seeded from a file, the file's settings beside it. This turns each into settings + voice.

/** A version as stored before the conversion. */
export interface LegacyVersion {
  readonly id: string;
  readonly version: number;
  /** Old `settings`: {fileHash, meta} from a text-only file, plus the file's settings and body under a `v2` key from a file with settings; {source: "admin-api", ...} from an edit. */
  readonly settings: unknown;
  readonly legacyText: string | null;
  /** Already in the current format (converted earlier, or written after the change). */
  readonly voice: string | null;
}

export type Conversion =
  | {
      readonly id: string;
      readonly version: number;
      readonly ok: true;
      readonly persona: Persona;
      readonly origin: Record<string, unknown>;
      readonly how: string;
    }
  | { readonly id: string; readonly version: number; readonly ok: false; readonly reason: string; readonly origin: Record<string, unknown> };

/** The rules a text-only persona gets: it hands refunds, complaints and requests for a person to the owner. */
export const DEFAULT_TRIGGERS = ["human", "refund", "complaint"];

/**
 * Converts the unconverted versions of one persona, oldest first. A version edited from an earlier
 * one keeps that one's settings, with the facts and rules read back from its text when the text is
 * the earlier one's rendered prompt; a rollback copies the version it rolled back to; a text-only
 * persona gets the default support settings (DEFAULT_TRIGGERS, owner in the console). What cannot be
 * converted comes back with the reason, to be kept as a draft that is never used.
 */
export function convertLegacyVersions(versions: readonly LegacyVersion[], names: { persona: string; business: string }): Conversion[] {
  const done = new Map<number, Persona>();
  let base: Persona | undefined;
  const out: Conversion[] = [];
  for (const v of [...versions].sort((a, b) => a.version - b.version)) {
    const old = record(v.settings);
    if (v.voice !== null) {
      const current = validatePersona({ settings: v.settings, voice: v.voice });
      if (current.ok) done.set(v.version, (base = current.persona));
      continue;
    }
    const origin = originOf(old);
    const attempt = convertOne(v, old, base, done, names);
    if ("reason" in attempt) {
      out.push({ id: v.id, version: v.version, ok: false, reason: attempt.reason, origin });
      continue;
    }
    const checked = validatePersona(attempt.candidate);
    if (!checked.ok) {
      const problems = checked.problems
        .slice(0, 5)
        .map((p) => `${p.field}: ${p.message}`)
        .join("; ");
      out.push({ id: v.id, version: v.version, ok: false, reason: `its settings are not valid (${problems})`, origin });
      continue;
    }
    done.set(v.version, (base = checked.persona));
    // A version seeded from a file is fingerprinted as seed does now, so re-seeding the unchanged
    // file after the upgrade finds it instead of making the file's version live over a console edit.
    const fingerprinted = origin.source === "file" ? { ...origin, fileHash: personaFileHash(checked.persona) } : origin;
    out.push({ id: v.id, version: v.version, ok: true, persona: checked.persona, origin: fingerprinted, how: attempt.how });
  }
  return out;
}

function convertOne(
  v: LegacyVersion,
  old: Record<string, unknown>,
  base: Persona | undefined,
  done: ReadonlyMap<number, Persona>,
  names: { persona: string; business: string },
): { candidate: unknown; how: string } | { reason: string } {
  const file = record(old.v2);
  if (old.v2 !== undefined) {
    if (typeof file.body !== "string") return { reason: "the stored file settings have no body" };
    return { candidate: { settings: file.meta, voice: file.body }, how: "settings of the persona file it was seeded from" };
  }
  const text = v.legacyText?.trim() ?? "";
  if (!text) return { reason: "it has no text" };
  const rolledBackFrom = typeof old.rolledBackFrom === "number" ? done.get(old.rolledBackFrom) : undefined;
  if (rolledBackFrom) return { candidate: rolledBackFrom, how: `copy of version ${String(old.rolledBackFrom)} (a rollback)` };
  if (base) {
    const read = readRenderedPrompt(text, base);
    return {
      candidate: { settings: { ...base.settings, facts: read.facts, rules: read.rules }, voice: read.voice },
      how: "edited text; settings of the version before it",
    };
  }
  const meta = record(old.meta);
  return {
    candidate: {
      settings: {
        kind: "support",
        name: typeof meta.name === "string" ? meta.name : names.persona,
        business: typeof meta.business === "string" ? meta.business : names.business,
        ...(typeof meta.language === "string" ? { language: meta.language } : {}),
        ...(typeof meta.tone === "string" ? { tone: meta.tone } : {}),
        handoff: { triggers: DEFAULT_TRIGGERS },
        owner: { channel: "admin", to: "owner" },
      },
      voice: text,
    },
    how: "text-only persona: default support rules (hand off requests for a person, refunds, complaints)",
  };
}

/**
 * Facts, rules and voice of a text that may be `base`'s rendered system prompt, edited: its intro
 * is dropped, its facts and rules sections are read back (the rules the settings generate left
 * out), the rest is the voice. A text without those sections is all voice, with base's facts and rules.
 */
export function readRenderedPrompt(text: string, base: Persona): { facts: Record<string, string>; rules: string[]; voice: string } {
  const sections = text.replace(/\r\n?/g, "\n").split(/\n{2,}/);
  const intro = renderSystemPrompt(base).split("\n\n")[0];
  if (sections[0] === intro || (sections[0]?.startsWith("You are ") && sections[0].includes("\nTone: "))) sections.shift();
  let facts: Record<string, string> | undefined;
  let rules: string[] | undefined;
  const voice: string[] = [];
  for (const section of sections) {
    const [heading, ...lines] = section.split("\n");
    const items = lines.map((l) => /^\s*-\s+(.*)$/.exec(l)?.[1]?.trim());
    const allItems = items.length > 0 && items.every((i) => i !== undefined && i !== "");
    if (heading === FACTS_HEADING && allItems && items.every((i) => /^[^:]+:\s*\S/.test(i!))) {
      facts = Object.fromEntries(items.map((i) => [i!.slice(0, i!.indexOf(":")).trim(), i!.slice(i!.indexOf(":") + 1).trim()]));
    } else if (heading === RULES_HEADING && allItems) {
      const generated = new Set(generatedRules(base));
      rules = items.filter((i) => !generated.has(i!)) as string[];
    } else {
      voice.push(section);
    }
  }
  return { facts: facts ?? (rules ? {} : base.settings.facts), rules: rules ?? base.settings.rules, voice: voice.join("\n\n").trim() };
}

function originOf(old: Record<string, unknown>): Record<string, unknown> {
  if (old.source === "admin-api") return { ...old, converted: true };
  if (typeof old.fileHash === "string") return { source: "file", fileHash: old.fileHash, converted: true };
  return { source: "unknown", converted: true };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
