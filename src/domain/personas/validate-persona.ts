import type { z } from "zod";
import { personaSchema, type Persona } from "./persona-schema.js";

/** One thing wrong with a persona, named by its field: "settings.facts.hours", "settings.rules.2", "voice". */
export interface PersonaProblem {
  readonly field: string;
  readonly message: string;
  /** 1-based line in the persona file, when it came from one. */
  readonly line?: number;
}

export type PersonaValidation =
  | { readonly ok: true; readonly persona: Persona }
  | { readonly ok: false; readonly problems: readonly PersonaProblem[] };

/** The one check every persona goes through, from a file, the admin API or the database. */
export function validatePersona(input: unknown): PersonaValidation {
  const result = personaSchema.safeParse(input);
  if (result.success) return { ok: true, persona: result.data };
  return { ok: false, problems: result.error.issues.flatMap(problemsOf) };
}

export function problemsOf(issue: z.core.$ZodIssue): PersonaProblem[] {
  const paths = issue.code === "unrecognized_keys" ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
  return paths.map((path) => ({
    field: path.map((p) => (typeof p === "symbol" ? String(p) : p)).join(".") || "persona",
    message: issue.code === "unrecognized_keys" ? "unknown field (check the spelling)" : issue.message,
  }));
}
