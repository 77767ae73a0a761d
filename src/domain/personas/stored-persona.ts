import { ownerSchema, type Persona } from "./persona-schema.js";
import { renderSystemPrompt } from "./render-persona.js";
import { validatePersona } from "./validate-persona.js";

/** A persona version as the database holds it. */
export interface StoredPersonaVersion {
  readonly versionId: string;
  readonly version: number;
  readonly settings: unknown;
  /** Null only for a version still in the old single-text format (not converted yet). */
  readonly voice: string | null;
  /** Set on a version that could not be converted to the current format: it must not be used. */
  readonly draftReason: string | null;
}

/** What a turn knows of a persona it cannot use: enough to hand the conversation over safely. */
export interface PersonaFallback {
  /** The owner reference "<channel>:<to>" when the stored settings name a valid one, else "admin". */
  readonly notify: string;
  /** The persona's own handoff wording, when its settings have one. */
  readonly handoffText?: string;
}

export type TurnPersona =
  | { readonly status: "valid"; readonly versionId: string; readonly version: number; readonly persona: Persona; readonly systemPrompt: string }
  | {
      readonly status: "invalid";
      readonly versionId: string | null;
      readonly version: number | null;
      readonly problem: string;
      readonly fallback: PersonaFallback;
    };

/**
 * The persona a turn runs with, validated on every read by the same schema as every write: a
 * version that is missing, a draft, unconverted or invalid comes back "invalid" (never as a persona
 * without its rules), and the turn hands the conversation to a person instead of asking the model.
 */
export function readStoredPersona(stored: StoredPersonaVersion | null): TurnPersona {
  if (!stored) return invalid(null, "the channel's persona has no active version", undefined);
  if (stored.draftReason !== null)
    return invalid(stored, `version ${stored.version} is a draft that cannot be used: ${stored.draftReason}`, stored.settings);
  if (stored.voice === null)
    return invalid(stored, `version ${stored.version} is in the old text-only format and was not converted (run the migrations)`, stored.settings);
  const checked = validatePersona({ settings: stored.settings, voice: stored.voice });
  if (!checked.ok) {
    const problems = checked.problems
      .slice(0, 5)
      .map((p) => `${p.field}: ${p.message}`)
      .join("; ");
    return invalid(stored, `version ${stored.version} has invalid settings: ${problems}`, stored.settings);
  }
  return {
    status: "valid",
    versionId: stored.versionId,
    version: stored.version,
    persona: checked.persona,
    systemPrompt: renderSystemPrompt(checked.persona),
  };
}

function invalid(stored: StoredPersonaVersion | null, problem: string, settings: unknown): TurnPersona {
  return { status: "invalid", versionId: stored?.versionId ?? null, version: stored?.version ?? null, problem, fallback: fallbackOf(settings) };
}

function fallbackOf(settings: unknown): PersonaFallback {
  const raw = typeof settings === "object" && settings !== null ? (settings as Record<string, unknown>) : {};
  const owner = ownerSchema.safeParse(raw.owner);
  const replies = typeof raw.replies === "object" && raw.replies !== null ? (raw.replies as Record<string, unknown>) : {};
  const handoff = typeof replies.handoff === "string" && replies.handoff.trim() !== "" ? replies.handoff.trim() : undefined;
  return { notify: owner.success ? `${owner.data.channel}:${owner.data.to}` : "admin", ...(handoff ? { handoffText: handoff } : {}) };
}
