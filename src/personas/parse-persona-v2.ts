import matter from "gray-matter";
import type { z } from "zod";
import { InputError } from "../domain/errors.js";
import { personaV2MetaSchema, type PersonaV2 } from "./persona-schema.js";
import { yamlKeyLine } from "./yaml-key-line.js";

export interface PersonaProblem {
  /** Dotted path of the field, e.g. "limits.dailyMessagesPerFan" or "rules.2"; "front matter" for the whole. */
  readonly field: string;
  /** 1-based line in the persona file. */
  readonly line: number;
  readonly message: string;
}

/** A persona file that cannot be used; the message lists every problem as `file:line: field: message`. */
export class PersonaFileError extends InputError {
  constructor(
    readonly file: string,
    readonly problems: readonly PersonaProblem[],
  ) {
    super("PERSONA_INVALID", `${file} is not a valid persona:\n${problems.map((p) => `  ${file}:${p.line}: ${p.field}: ${p.message}`).join("\n")}`, 422);
  }
}

/**
 * Parses a persona file in format v2: YAML front matter (checked by personaV2MetaSchema) and a
 * markdown body. `file` names the file in messages; the template name is its base name.
 */
export function parsePersonaV2(source: string, file: string): PersonaV2 {
  const template = file.replace(/^.*[\\/]/, "").replace(/\.md$/, "");
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
  const meta = personaV2MetaSchema.safeParse(parsed.data ?? {});
  if (!meta.success) throw new PersonaFileError(file, meta.error.issues.flatMap((issue) => describeIssue(issue, parsed.matter)));
  const body = parsed.content.trim();
  if (!body) {
    const line = source.split("\n").length;
    throw new PersonaFileError(file, [{ field: "body", line, message: "the body after the front matter is empty: describe the persona's voice there" }]);
  }
  return { template, meta: meta.data, body };
}

function describeIssue(issue: z.core.$ZodIssue, frontMatter: string): PersonaProblem[] {
  const paths = issue.code === "unrecognized_keys" ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
  return paths.map((path) => {
    const keys = path.map((p) => (typeof p === "symbol" ? String(p) : p));
    const field = keys.join(".") || "front matter";
    const message = issue.code === "unrecognized_keys" ? `unknown field (check the spelling)` : issue.message;
    return { field, line: yamlKeyLine(frontMatter, keys, 1) ?? 1, message };
  });
}
