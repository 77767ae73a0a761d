import type { z } from "zod";
import { InputError } from "../../domain/errors.js";
import { fieldName } from "../../domain/opening-hours/index.js";

/**
 * Validates request input, naming every bad field in one 400; `details.problems` lists them for
 * forms ({field, message} in the validator's words; the error handlers turn the whole into plain sentences).
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: "body" | "params" | "query"): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  // body.openingHours.tue[1]: list positions in brackets.
  const problems = result.error.issues.map((i) => ({ field: fieldName(where, i.path), message: i.message }));
  throw new InputError("INVALID_REQUEST", problems.map((p) => `${p.field}: ${p.message}`).join("; "), 400, { problems });
}
