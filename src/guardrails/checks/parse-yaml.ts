import matter from "gray-matter";

// gray-matter's own YAML engine (js-yaml 3, safe schema): one YAML reader for persona files and
// their checks, through a package that is already a direct dependency.
const engines = (matter as unknown as { engines: { yaml: { parse(text: string): unknown } } }).engines;

/** Parses YAML text; a syntax error carries `mark.line` (0-based), as js-yaml reports it. */
export function parseYaml(text: string): unknown {
  return engines.yaml.parse(text);
}
