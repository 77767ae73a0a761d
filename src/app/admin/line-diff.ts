import { diffArrays } from "diff";

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
  /** False when the texts differed too much for an exact diff and the whole old text is shown as replaced. */
  readonly exact: boolean;
}

/**
 * Above this many edited lines jsdiff gives up (Myers' algorithm costs O((n+m)·D)) and the diff
 * shows every old line removed and every new one added, so a request cannot make the admin API spin:
 * ~100 ms for two unrelated 6,000-line texts at 1,000 (600 ms at 2,000, measured on a 2-core box).
 */
const MAX_EDIT_LENGTH = 1_000;

/** A line diff of two texts by jsdiff (Myers: a shortest edit script, so a longest common subsequence). */
export function diffLines(oldText: string, newText: string): LineDiff {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  const changes = diffArrays(a, b, { maxEditLength: MAX_EDIT_LENGTH });
  const lines: DiffLine[] = [];
  let oldLine = 1;
  let newLine = 1;
  if (!changes) {
    for (const text of a) lines.push({ op: "remove", text, oldLine: oldLine++ });
    for (const text of b) lines.push({ op: "add", text, newLine: newLine++ });
  } else {
    for (const change of changes) {
      for (const text of change.value) {
        if (change.removed) lines.push({ op: "remove", text, oldLine: oldLine++ });
        else if (change.added) lines.push({ op: "add", text, newLine: newLine++ });
        else lines.push({ op: "equal", text, oldLine: oldLine++, newLine: newLine++ });
      }
    }
  }
  return {
    lines,
    added: lines.filter((l) => l.op === "add").length,
    removed: lines.filter((l) => l.op === "remove").length,
    exact: changes !== undefined,
  };
}

function splitLines(text: string): string[] {
  return text === "" ? [] : text.split("\n");
}
