import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { InputError } from "../domain/errors.js";
import type { PersonaDefinition } from "../domain/persona.js";
import { parsePersonaFile } from "./parse-persona-file.js";

export const PROMPTS_DIR = fileURLToPath(new URL("../../prompts/", import.meta.url));

export async function listPersonaTemplates(dir = PROMPTS_DIR): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith(".md")).map((f) => f.slice(0, -3)).sort();
}

/** Loads prompts/<name>.md. */
export async function loadPersonaTemplate(name: string, dir = PROMPTS_DIR): Promise<PersonaDefinition> {
  if (!/^[a-z0-9-]+$/.test(name)) throw new InputError("PERSONA_UNKNOWN", `persona template names are lower-case words: ${name}`);
  let source: string;
  try {
    source = await readFile(path.join(dir, `${name}.md`), "utf8");
  } catch {
    const known = await listPersonaTemplates(dir);
    throw new InputError("PERSONA_UNKNOWN", `no persona template ${name}; known: ${known.join(", ")}`, 404);
  }
  return parsePersonaFile(source, name);
}
