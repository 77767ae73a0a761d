import matter from "gray-matter";
import { readFile } from "node:fs/promises";
import { InputError } from "../domain/errors.js";
import type { Persona } from "./persona-schema.js";
import { validatePersona, type PersonaProblem } from "./validate-persona.js";
import { yamlKeyLine } from "./yaml-key-line.js";

// A persona file is markdown: the settings as YAML front matter, the voice as the body. It is the
// format of prompts/*.md, of `persona:check`, and of the console's import and export.

/** A persona file that cannot be used; the message lists every problem as `file:line: field: message`. */
export class PersonaFileError extends InputError {
  constructor(
    readonly file: string,
    readonly problems: readonly (PersonaProblem & { readonly line: number })[],
  ) {
    super("PERSONA_INVALID", `${file} is not a valid persona:\n${problems.map((p) => `  ${file}:${p.line}: ${p.field}: ${p.message}`).join("\n")}`, 422);
  }
}

/** Parses and validates a persona file's text; `file` names it in messages. */
export function parsePersonaFile(source: string, file: string): Persona {
  if (!/^---[ \t]*\r?\n/.test(source)) {
    throw new PersonaFileError(file, [{ field: "front matter", line: 1, message: "the file must start with YAML front matter between --- lines" }]);
  }
  let parsed: matter.GrayMatterFile<string>;
  try {
    // Options make gray-matter skip its cache, which would hand back one shared object per text.
    parsed = matter(source, { excerpt: false });
  } catch (error) {
    const mark = (error as { mark?: { line?: number } }).mark;
    const reason = ((error as { reason?: string }).reason ?? (error as Error).message).split("\n")[0]!;
    // gray-matter's front matter text starts right after the opening "---": its line 0 is file line 1.
    throw new PersonaFileError(file, [{ field: "front matter", line: (mark?.line ?? 0) + 1, message: `not valid YAML: ${reason}` }]);
  }
  const checked = validatePersona({ settings: parsed.data ?? {}, voice: parsed.content });
  if (checked.ok) return checked.persona;
  const lastLine = source.split("\n").length;
  throw new PersonaFileError(
    file,
    checked.problems.map((p) => {
      if (!p.field.startsWith("settings")) return { field: "body", line: lastLine, message: p.message };
      const path = p.field.split(".").slice(1).map((k) => (/^\d+$/.test(k) ? Number(k) : k));
      return { field: path.join(".") || "front matter", line: yamlKeyLine(parsed.matter, path, 1) ?? 1, message: p.message };
    }),
  );
}

/** Reads and validates a persona file by path, e.g. prompts/support-bakery.md. */
export async function readPersonaFile(file: string): Promise<Persona> {
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (error) {
    throw new InputError("PERSONA_UNKNOWN", `cannot read persona file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 404);
  }
  return parsePersonaFile(source, file);
}

/** The persona as a file: parsePersonaFile(personaToMarkdown(p)) gives p back. Empty lists and sections are left out. */
export function personaToMarkdown(persona: Persona): string {
  return matter.stringify(`\n${persona.voice}\n`, withoutEmpty(persona.settings) as object);
}

function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmpty);
  if (typeof value !== "object" || value === null) return value;
  const kept = Object.entries(value)
    .map(([key, v]) => [key, withoutEmpty(v)] as const)
    .filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0) && !(typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0));
  return Object.fromEntries(kept);
}
