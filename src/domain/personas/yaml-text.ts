import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";

/** YAML that could not be read, at a 1-based line. */
export class YamlSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = "YamlSyntaxError";
  }
}

export interface YamlText {
  readonly data: unknown;
  /**
   * The line of a path like ["limits", "blockedTopics", 2] (a key's line, or a list item's), or of
   * its nearest ancestor that is there; undefined when not even the first key is.
   */
  lineOf(path: readonly (string | number)[]): number | undefined;
}

/**
 * Parses YAML 1.2 (core schema), keeping where each node starts so a problem can name its line.
 * `firstLine` is the file line of the text's first line. Unlike js-yaml 3 (gray-matter's, which read
 * these files before), an unquoted `7:00` or `2024-05-01` stays the text it looks like instead of
 * becoming 420 or a Date; `yes`, `no` and `on` stay text in both.
 */
export function readYaml(text: string, firstLine = 1): YamlText {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const lineAt = (node: Node | null | undefined) => (node?.range ? lineCounter.linePos(node.range[0]).line + firstLine - 1 : undefined);
  const error = doc.errors[0];
  if (error) throw new YamlSyntaxError((error.linePos?.[0].line ?? 1) + firstLine - 1, error.message.split("\n")[0]!);
  return {
    data: doc.toJS(),
    lineOf(path) {
      let node: unknown = doc.contents;
      let found: number | undefined;
      for (const segment of path) {
        let next: Node | null | undefined;
        let at: Node | null | undefined;
        if (isMap(node)) {
          const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
          next = pair?.value as Node | null | undefined;
          at = pair?.key as Node | undefined;
        } else if (isSeq(node) && typeof segment === "number") {
          next = at = node.items[segment] as Node | undefined;
        }
        const line = lineAt(at);
        if (line === undefined) break;
        found = line;
        node = next;
      }
      return found;
    },
  };
}
