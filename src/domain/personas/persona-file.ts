import matter from "gray-matter";
import { readFile } from "node:fs/promises";
import { InputError } from "../errors.js";
import type { Persona } from "./persona-schema.js";
import { validatePersona, type PersonaProblem } from "./validate-persona.js";
import { readYaml, YamlSyntaxError, type YamlText } from "./yaml-text.js";

// A persona file is markdown: the settings as YAML front matter, the voice as the body. It is the
// format of prompts/*.md, of `persona:check`, and of the console's import and export.

/** A persona file that cannot be used; the message lists every problem as `file:line: field: message`. */
export class PersonaFileError extends InputError {
  constructor(
    readonly file: string,
    readonly problems: readonly (PersonaProblem & { readonly line: number })[],
  ) {
    super(
      "PERSONA_INVALID",
      `${file} is not a valid persona:\n${problems.map((p) => `  ${file}:${p.line}: ${p.field}: ${p.message}`).join("\n")}`,
      422,
    );
  }
}

/** Parses and validates a persona file's text; `file` names it in messages. */
export function parsePersonaFile(source: string, file: string): Persona {
  if (!/^---[ \t]*\r?\n/.test(source)) {
    throw new PersonaFileError(file, [{ field: "front matter", line: 1, message: "the file must start with YAML front matter between --- lines" }]);
  }
  let parsed: matter.GrayMatterFile<string>;
  let yaml: YamlText | undefined;
  try {
    // gray-matter splits the file; the front matter is read by `yaml`, which keeps each key's line.
    // gray-matter's front matter text starts right after the opening "---": its line 1 is file line 1.
    parsed = matter(source, { excerpt: false, engines: { yaml: (text: string) => (yaml = readYaml(text, 1)).data as object } });
  } catch (error) {
    if (!(error instanceof YamlSyntaxError)) throw error;
    throw new PersonaFileError(file, [{ field: "front matter", line: error.line, message: `not valid YAML: ${error.reason}` }]);
  }
  const checked = validatePersona({ settings: parsed.data ?? {}, voice: parsed.content });
  if (checked.ok) return checked.persona;
  const lastLine = source.split("\n").length;
  throw new PersonaFileError(
    file,
    checked.problems.map((p) => {
      if (!p.field.startsWith("settings")) return { field: "body", line: lastLine, message: p.message };
      const path = p.field
        .split(".")
        .slice(1)
        .map((k) => (/^\d+$/.test(k) ? Number(k) : k));
      return { field: path.join(".") || "front matter", line: yaml?.lineOf(path) ?? 1, message: p.message };
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
    .filter(
      ([, v]) =>
        v !== undefined &&
        !(Array.isArray(v) && v.length === 0) &&
        !(typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0),
    );
  return Object.fromEntries(kept);
}
