// A line diff between two persona versions (their persona files: settings, then voice), as the admin
// API computes it, with what the newer one stops enforcing above it; long unchanged runs folded.
import type { Reply } from "./api.js";
import { h } from "./dom.js";

type Diff = Reply<"getBusinessesByBusinessIdPersonasByPersonaIdDiff">;
type DiffLine = Diff["lines"][number];

const CONTEXT = 2;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function renderDiff(diff: Diff): HTMLDivElement {
  const head = h(
    "div",
    { class: "diff-head" },
    h("strong", {}, `Version ${diff.from} → version ${diff.to}`),
    h("span", { class: "diff-added" }, ` +${plural(diff.added, "line")} added`),
    h("span", { class: "diff-removed" }, ` −${plural(diff.removed, "line")} removed`),
  );
  const weaker = diff.weakenings?.length
    ? h(
        "div",
        { class: "weakened", id: "diff-weakenings" },
        h("strong", {}, `With version ${diff.to} instead of version ${diff.from}, the agent stops doing this:`),
        h(
          "ul",
          { class: "weakenings" },
          diff.weakenings.map((w) => h("li", {}, w.message)),
        ),
      )
    : null;
  if (diff.added === 0 && diff.removed === 0)
    return h("div", { class: "diff" }, head, h("p", { class: "empty" }, "These two versions are the same."));
  const rows: HTMLElement[] = [];
  const lines = diff.lines;
  const at = (k: number): DiffLine => lines[k]!;
  for (let i = 0; i < lines.length; ) {
    if (at(i).op !== "equal") {
      rows.push(line(at(i)));
      i++;
      continue;
    }
    let end = i;
    while (end < lines.length && at(end).op === "equal") end++;
    const keepHead = i === 0 ? 0 : CONTEXT;
    const keepTail = end === lines.length ? 0 : CONTEXT;
    if (end - i > keepHead + keepTail + 1) {
      for (let k = i; k < i + keepHead; k++) rows.push(line(at(k)));
      rows.push(h("div", { class: "diff-line fold" }, `… ${plural(end - i - keepHead - keepTail, "unchanged line")} …`));
      for (let k = end - keepTail; k < end; k++) rows.push(line(at(k)));
    } else {
      for (let k = i; k < end; k++) rows.push(line(at(k)));
    }
    i = end;
  }
  return h(
    "div",
    { class: "diff" },
    head,
    weaker,
    diff.exact ? null : h("p", { class: "small muted" }, "The texts are very different; the changed part is shown as replaced."),
    h("div", { class: "diff-lines" }, rows),
  );
}

function line(l: DiffLine): HTMLDivElement {
  const mark = l.op === "add" ? "+" : l.op === "remove" ? "−" : " ";
  const spoken = l.op === "add" ? "added: " : l.op === "remove" ? "removed: " : "";
  return h(
    "div",
    { class: `diff-line ${l.op}` },
    h("span", { class: "mark", "aria-hidden": "true" }, mark),
    h("span", { class: "diff-text" }, spoken ? h("span", { class: "sr-only" }, spoken) : null, l.text || " "),
  );
}
