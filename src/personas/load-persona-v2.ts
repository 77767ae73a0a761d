import { readFile } from "node:fs/promises";
import { InputError } from "../domain/errors.js";
import { parsePersonaV2 } from "./parse-persona-v2.js";
import type { PersonaV2 } from "./persona-schema.js";

/** Reads and validates a persona file (format v2) by path, e.g. prompts/support-bakery.md. */
export async function loadPersonaV2(file: string): Promise<PersonaV2> {
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (error) {
    throw new InputError("PERSONA_UNKNOWN", `cannot read persona file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 404);
  }
  return parsePersonaV2(source, file);
}
