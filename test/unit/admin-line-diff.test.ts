import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffLines } from "../../src/app/admin/line-diff.js";

const lines = fc.array(fc.constantFrom("a", "b", "c", "d", ""), { maxLength: 12 }).map((l) => l.join("\n"));

function lcsLength(x: string[], y: string[]): number {
  const t = Array.from({ length: x.length + 1 }, () => Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--)
    for (let j = y.length - 1; j >= 0; j--) t[i]![j] = x[i] === y[j] ? t[i + 1]![j + 1]! + 1 : Math.max(t[i + 1]![j]!, t[i]![j + 1]!);
  return t[0]![0]!;
}
const split = (s: string) => (s === "" ? [] : s.split("\n"));

describe("diffLines", () => {
  it("shows a local edit as removals then additions between unchanged lines", () => {
    const d = diffLines("one\ntwo\nthree", "one\n2\nthree\nfour");
    expect(d.lines).toEqual([
      { op: "equal", text: "one", oldLine: 1, newLine: 1 },
      { op: "remove", text: "two", oldLine: 2 },
      { op: "add", text: "2", newLine: 2 },
      { op: "equal", text: "three", oldLine: 3, newLine: 3 },
      { op: "add", text: "four", newLine: 4 },
    ]);
    expect(d).toMatchObject({ added: 2, removed: 1, exact: true });
  });

  it("diffs identical and empty texts", () => {
    expect(diffLines("", "").lines).toEqual([]);
    expect(diffLines("x", "x")).toMatchObject({ added: 0, removed: 0 });
    expect(diffLines("", "x\ny").lines.map((l) => l.op)).toEqual(["add", "add"]);
  });

  it("always rebuilds both texts, keeps a longest common subsequence, and numbers lines correctly", () => {
    fc.assert(
      fc.property(lines, lines, (oldText, newText) => {
        const d = diffLines(oldText, newText);
        expect(d.lines.filter((l) => l.op !== "add").map((l) => l.text)).toEqual(split(oldText));
        expect(d.lines.filter((l) => l.op !== "remove").map((l) => l.text)).toEqual(split(newText));
        expect(d.lines.filter((l) => l.op === "equal")).toHaveLength(lcsLength(split(oldText), split(newText)));
        expect(d.lines.filter((l) => l.oldLine !== undefined).map((l) => l.oldLine)).toEqual(split(oldText).map((_, i) => i + 1));
        expect(d.lines.filter((l) => l.newLine !== undefined).map((l) => l.newLine)).toEqual(split(newText).map((_, i) => i + 1));
      }),
      { numRuns: 400 },
    );
  });

  it("stays fast on a long persona with a small edit", () => {
    const big = Array.from({ length: 5000 }, (_, i) => `line ${i}`);
    const edited = [...big];
    edited[2500] = "changed";
    const start = performance.now();
    const d = diffLines(big.join("\n"), edited.join("\n"));
    expect(d).toMatchObject({ added: 1, removed: 1, exact: true });
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it("shows a rewrite too large to diff exactly as every old line removed and every new line added, without spinning", () => {
    const oldText = Array.from({ length: 6000 }, (_, i) => `old ${i}`).join("\n");
    const newText = Array.from({ length: 6000 }, (_, i) => `new ${i}`).join("\n");
    const start = performance.now();
    const d = diffLines(oldText, newText);
    expect(d).toMatchObject({ added: 6000, removed: 6000, exact: false });
    expect(d.lines.slice(0, 2)).toEqual([
      { op: "remove", text: "old 0", oldLine: 1 },
      { op: "remove", text: "old 1", oldLine: 2 },
    ]);
    expect(d.lines.at(-1)).toEqual({ op: "add", text: "new 5999", newLine: 6000 });
    expect(performance.now() - start).toBeLessThan(5000);
  });
});
