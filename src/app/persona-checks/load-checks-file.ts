import { readFile } from "node:fs/promises";
import { InputError } from "../../domain/errors.js";
import { readYaml, YamlSyntaxError, type YamlText } from "../../domain/personas/yaml-text.js";
import { checksFileSchema, type ChecksFile } from "./checks-schema.js";

/** Reads and validates a scripted-checks file; problems are reported as `file:line: field: message`. */
export async function loadChecksFile(file: string): Promise<ChecksFile> {
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (error) {
    throw new InputError("CHECKS_MISSING", `no scripted checks at ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, 404);
  }
  let yaml: YamlText;
  try {
    yaml = readYaml(source);
  } catch (error) {
    if (!(error instanceof YamlSyntaxError)) throw error;
    throw new InputError("CHECKS_INVALID", `${file}:${error.line}: not valid YAML: ${error.reason}`, 422);
  }
  const parsed = checksFileSchema.safeParse(yaml.data ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
    return `  ${file}:${yaml.lineOf(path) ?? 1}: ${path.join(".") || "(file)"}: ${issue.message}`;
  });
  throw new InputError("CHECKS_INVALID", `${file} is not a valid checks file:\n${problems.join("\n")}`, 422);
}
