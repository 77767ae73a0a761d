/** One block-style YAML node start: `key:` or a `- ` list item. */
interface Entry {
  readonly line: number;
  readonly indent: number;
  readonly key?: string;
  readonly item: boolean;
}

const KEY = /^("([^"]*)"|'([^']*)'|[^\s#"'][^:#]*?)\s*:(\s|$)/;
const BLOCK_SCALAR = /:\s*[|>][-+0-9]*\s*(#.*)?$/;

/**
 * The 1-based line of a path like ["limits", "blockedTopics", 2] in block-style YAML, or of its
 * nearest ancestor that can be found (flow style `[a, b]` is not descended into); undefined when
 * not even the first key is there. `firstLine` is the file line of the text's first line.
 * A re-scan of the text rather than a YAML parser with positions: js-yaml 3 does not report them.
 */
export function yamlKeyLine(yaml: string, path: readonly (string | number)[], firstLine = 1): number | undefined {
  const entries = scan(yaml);
  let from = 0;
  let to = entries.length;
  let parent: Entry | undefined;
  let found: number | undefined;
  for (const segment of path) {
    const children = entries.slice(from, to).filter((e) => isChild(e, parent));
    const indent = Math.min(...children.map((e) => e.indent));
    const direct = children.filter((e) => e.indent === indent);
    const match = typeof segment === "number" ? direct.filter((e) => e.item)[segment] : direct.find((e) => e.key === segment);
    if (!match) break;
    found = match.line + firstLine - 1;
    const at = entries.indexOf(match);
    from = at + 1;
    to = entries.findIndex((e, i) => i > at && e.line !== match.line && !isChild(e, match));
    if (to === -1) to = entries.length;
    parent = match;
  }
  return found;
}

function isChild(entry: Entry, parent: Entry | undefined): boolean {
  if (!parent) return true;
  // A list may sit at its key's own indentation: "rules:\n- a\n- b".
  return entry.indent > parent.indent || (entry.item && !parent.item && entry.indent === parent.indent);
}

function scan(yaml: string): Entry[] {
  const entries: Entry[] = [];
  let scalarIndent = -1;
  yaml.split("\n").forEach((raw, index) => {
    const line = index + 1;
    const body = raw.trimStart();
    let indent = raw.length - body.length;
    if (!body || body.startsWith("#")) return;
    if (scalarIndent >= 0 && indent > scalarIndent) return;
    scalarIndent = -1;
    let rest = body;
    while (rest.startsWith("- ") || rest === "-") {
      entries.push({ line, indent, item: true });
      const after = rest.slice(1).trimStart();
      indent += rest.length - after.length;
      rest = after;
    }
    const key = KEY.exec(rest);
    if (!key) return;
    entries.push({ line, indent, item: false, key: key[2] ?? key[3] ?? key[1]!.trim() });
    if (BLOCK_SCALAR.test(rest)) scalarIndent = indent;
  });
  return entries;
}
