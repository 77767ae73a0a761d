import { readFile } from "node:fs/promises";
import { InputError } from "../../domain/errors.js";
import { yamlKeyLine } from "../../personas/yaml-key-line.js";
import { checksFileSchema, type ChecksFile } from "./checks-schema.js";
import { parseYaml } from "./parse-yaml.js";

/** Reads and validates a scripted-checks file; problems are reported as `file:line: field: message`. */
export async function loadChecksFile(file: string): Promise<ChecksFile> {
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (error) {
    throw new InputError("CHECKS_MISSING", `no scripted checks at ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, 404);
  }
  let data: unknown;
  try {
    data = parseYaml(source);
  } catch (error) {
    const line = ((error as { mark?: { line?: number } }).mark?.line ?? 0) + 1;
    throw new InputError("CHECKS_INVALID", `${file}:${line}: not valid YAML: ${((error as { reason?: string }).reason ?? String(error)).split("\n")[0]}`, 422);
  }
  const parsed = checksFileSchema.safeParse(data ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
    return `  ${file}:${yamlKeyLine(source, path) ?? 1}: ${path.join(".") || "(file)"}: ${issue.message}`;
  });
  throw new InputError("CHECKS_INVALID", `${file} is not a valid checks file:\n${problems.join("\n")}`, 422);
}
