import type { z } from "zod";
import { InputError } from "../domain/errors.js";

/** Validates request input, naming every bad field in one 400. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: "body" | "params" | "query"): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => `${where}${i.path.length ? "." + i.path.join(".") : ""}: ${i.message}`);
  throw new InputError("INVALID_REQUEST", fields.join("; "));
}
