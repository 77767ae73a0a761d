import matter from "gray-matter";
import { InputError } from "../domain/errors.js";
import { personaMetaSchema, type PersonaDefinition } from "../domain/persona.js";

/** Parses a persona markdown file: front matter for settings, the body is the system prompt. */
export function parsePersonaFile(source: string, template: string): PersonaDefinition {
  let parsed: matter.GrayMatterFile<string>;
  try {
    parsed = matter(source);
  } catch (error) {
    throw new InputError("PERSONA_INVALID", `${template}: front matter is not valid YAML: ${(error as Error).message}`);
  }
  const meta = personaMetaSchema.safeParse(parsed.data);
  if (!meta.success) {
    const problems = meta.error.issues.map((i) => `${i.path.join(".") || "front matter"}: ${i.message}`);
    throw new InputError("PERSONA_INVALID", `${template}: ${problems.join("; ")}`);
  }
  const systemPrompt = parsed.content.trim();
  if (!systemPrompt) throw new InputError("PERSONA_INVALID", `${template}: the body (the system prompt) is empty`);
  return { template, meta: meta.data, systemPrompt };
}
