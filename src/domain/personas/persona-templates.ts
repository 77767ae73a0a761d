import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { InputError } from "../errors.js";
import { readPersonaFile } from "./persona-file.js";
import type { Persona } from "./persona-schema.js";

export const PROMPTS_DIR = fileURLToPath(new URL("../../../prompts/", import.meta.url));

/** The persona the demo and `seed` use when none is named. */
export const DEFAULT_PERSONA_TEMPLATE = "support-bakery";

export interface PersonaTemplate {
  /** File name without .md, e.g. "support-bakery". */
  readonly template: string;
  readonly persona: Persona;
}

export async function listPersonaTemplates(dir = PROMPTS_DIR): Promise<string[]> {
  return (await readdir(dir))
    .filter((f) => f.endsWith(".md"))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Loads and validates prompts/<name>.md. */
export async function loadPersonaTemplate(name: string, dir = PROMPTS_DIR): Promise<PersonaTemplate> {
  if (!/^[a-z0-9-]+$/.test(name)) throw new InputError("PERSONA_UNKNOWN", `persona template names are lower-case words: ${name}`);
  const known = await listPersonaTemplates(dir);
  if (!known.includes(name)) throw new InputError("PERSONA_UNKNOWN", `no persona template ${name}; known: ${known.join(", ")}`, 404);
  return { template: name, persona: await readPersonaFile(path.join(dir, `${name}.md`)) };
}
