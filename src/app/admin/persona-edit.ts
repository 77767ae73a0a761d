import { InputError } from "../../domain/errors.js";
import { parsePersonaFile, PersonaFileError } from "../../domain/personas/persona-file.js";
import type { Persona } from "../../domain/personas/persona-schema.js";
import { checkPersonaFits, renderSystemPrompt } from "../../domain/personas/render-persona.js";
import { weakeningsOf } from "../../domain/personas/persona-weakenings.js";

/** A persona as a request sends it: the fields (already validated by the route's schema), or a persona file's text. */
export type PersonaPayload = { readonly persona?: Persona | undefined; readonly markdown?: string | undefined };

/** The persona of a request; a file's problems come back as a 422 PERSONA_INVALID listing field, line and message. */
export function personaOfPayload(payload: PersonaPayload): Persona {
  if (payload.persona) return payload.persona;
  if (payload.markdown === undefined)
    throw new InputError("INVALID_REQUEST", "send either persona (its settings and voice) or markdown (a persona file)");
  try {
    return parsePersonaFile(payload.markdown, "the imported file");
  } catch (error) {
    if (!(error instanceof PersonaFileError)) throw error;
    throw new InputError("PERSONA_INVALID", error.message, 422, {
      problems: error.problems.map((p) => ({ field: p.field, line: p.line, message: p.message })),
    });
  }
}

/**
 * The checks every change to the live persona goes through (save, activate, roll back): it fits the
 * token budget, and whatever it stops enforcing compared with the live version (a handoff trigger,
 * the disclosure, a blocked topic...) was confirmed by key; otherwise a 409 PERSONA_WEAKENED lists it.
 */
export async function checkPersonaChange(
  next: Persona,
  live: Persona | null,
  confirmed: readonly string[],
  budget: { readonly countTokens: (systemPrompt: string) => number | Promise<number>; readonly maxPersonaTokens: number },
): Promise<{ tokens: number }> {
  // Counted first (the gateway may count on the inference engine), then the one budget check.
  const counted = await budget.countTokens(renderSystemPrompt(next));
  const { tokens } = checkPersonaFits(next, { maxPersonaTokens: budget.maxPersonaTokens, countTokens: () => counted });
  const weakenings = live ? weakeningsOf(live, next) : [];
  const unconfirmed = weakenings.filter((w) => !confirmed.includes(w.key));
  if (unconfirmed.length > 0) {
    throw new InputError(
      "PERSONA_WEAKENED",
      `this change switches off rules the agent enforces now: ${unconfirmed.map((w) => w.message).join(" ")} Send the keys in confirmWeakenings to save it anyway.`,
      409,
      { weakenings: unconfirmed.map((w) => ({ key: w.key, message: w.message })) },
    );
  }
  return { tokens };
}
