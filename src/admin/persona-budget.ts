import { AdminInputError } from "./admin-error.js";

export interface PersonaBudget {
  /** The model's tokenizer. */
  readonly countTokens: (text: string) => number;
  /** Most tokens a persona may take of the context. */
  readonly maxPersonaTokens: number;
}

/** The persona's token count; a 422 naming the count and the limit when it does not fit. */
export function assertPersonaFits(systemPrompt: string, budget: PersonaBudget, field: string): number {
  const tokens = budget.countTokens(systemPrompt);
  if (tokens > budget.maxPersonaTokens) {
    throw new AdminInputError(
      "PERSONA_TOO_LONG",
      `${field}: the persona is ${tokens} tokens; the limit is ${budget.maxPersonaTokens}`,
      422,
      { field, tokens, limit: budget.maxPersonaTokens },
    );
  }
  return tokens;
}
