import { readFile, readdir } from "node:fs/promises";
import matter from "gray-matter";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { InputError } from "../domain/errors.js";
import type { PersonaDefinition } from "../domain/persona.js";
import { parsePersonaFile } from "./parse-persona-file.js";
import { parsePersonaV2 } from "./parse-persona-v2.js";
import { personaSystemPrompt } from "./render-persona.js";

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
  // v2 files declare what kind of agent they are; their rules are enforced in code.
  if (declaresKind(source)) {
    const persona = parsePersonaV2(source, `${name}.md`);
    return {
      template: name,
      meta: { name: persona.meta.name, business: persona.meta.business, language: persona.meta.language, tone: persona.meta.tone },
      systemPrompt: personaSystemPrompt(persona),
      v2: { meta: persona.meta, body: persona.body },
    };
  }
  return parsePersonaFile(source, name);
}

function declaresKind(source: string): boolean {
  try {
    return (matter(source).data as { kind?: unknown }).kind !== undefined;
  } catch {
    return false; // the v1 parser reports the broken front matter
  }
}
