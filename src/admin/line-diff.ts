export interface DiffLine {
  readonly op: "equal" | "add" | "remove";
  readonly text: string;
  /** 1-based line number in the old text (equal, remove). */
  readonly oldLine?: number;
  /** 1-based line number in the new text (equal, add). */
  readonly newLine?: number;
}

export interface LineDiff {
  readonly lines: DiffLine[];
  readonly added: number;
  readonly removed: number;
  /** False when the texts were too large for an exact diff and the changed middle is shown as replaced. */
  readonly exact: boolean;
}

/** Above this many cells (changed old lines x changed new lines) the middle is shown as one replacement. */
const MAX_CELLS = 16_000_000;

/**
 * A line diff by longest common subsequence, after trimming the common prefix and suffix (edits to
 * a persona are usually local, so the table stays small). A well-kept library (`diff`, jsdiff)
 * would give Myers' algorithm and unified patches; this is the small dependency-free version.
 */
export function diffLines(oldText: string, newText: string): LineDiff {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const lines: DiffLine[] = [];
  for (let i = 0; i < start; i++) lines.push({ op: "equal", text: a[i]!, oldLine: i + 1, newLine: i + 1 });
  const n = endA - start;
  const m = endB - start;
  const exact = n * m <= MAX_CELLS;
  if (exact) middleByLcs(a, b, start, n, m, lines);
  else {
    for (let i = start; i < endA; i++) lines.push({ op: "remove", text: a[i]!, oldLine: i + 1 });
    for (let j = start; j < endB; j++) lines.push({ op: "add", text: b[j]!, newLine: j + 1 });
  }
  for (let k = 0; k < a.length - endA; k++) lines.push({ op: "equal", text: a[endA + k]!, oldLine: endA + k + 1, newLine: endB + k + 1 });
  return { lines, added: lines.filter((l) => l.op === "add").length, removed: lines.filter((l) => l.op === "remove").length, exact };
}

function middleByLcs(a: string[], b: string[], start: number, n: number, m: number, out: DiffLine[]): void {
  // lcs[i][j] = LCS length of a[start+i..] and b[start+j..], row-major in one typed array.
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] = a[start + i] === b[start + j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[start + i] === b[start + j]) {
      out.push({ op: "equal", text: a[start + i]!, oldLine: start + i + 1, newLine: start + j + 1 });
      i++;
      j++;
    } else if (i < n && (j === m || lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!)) {
      // Removals before additions, as in a unified diff.
      out.push({ op: "remove", text: a[start + i]!, oldLine: start + i + 1 });
      i++;
    } else {
      out.push({ op: "add", text: b[start + j]!, newLine: start + j + 1 });
      j++;
    }
  }
}

function splitLines(text: string): string[] {
  return text === "" ? [] : text.split("\n");
}
