import type { KnowledgeEntryText, KnowledgeKind } from "../../ports/knowledge-store.js";

/** The unit retrieval ranks and the prompt quotes: a whole FAQ entry, or a window of a document. */
export interface Passage {
  /** `<entryId>#<n>`: unique within a business. */
  readonly id: string;
  readonly entryId: string;
  readonly kind: KnowledgeKind;
  readonly title: string;
  readonly text: string;
}

export interface SplitOptions {
  /** A paragraph longer than this is cut into sentence windows of about this size. */
  readonly maxChars: number;
}

export const DEFAULT_SPLIT: SplitOptions = { maxChars: 600 };

/**
 * FAQ entries stay whole (question + answer). Documents are cut at blank lines into paragraphs;
 * short neighbouring paragraphs are joined up to `maxChars`, long ones are cut into sentence
 * windows that overlap by one sentence, so an answer that spans a cut is still found whole once.
 */
export function splitPassages(entry: KnowledgeEntryText, options: SplitOptions = DEFAULT_SPLIT): Passage[] {
  const make = (text: string, n: number): Passage => ({ id: `${entry.id}#${n}`, entryId: entry.id, kind: entry.kind, title: entry.title, text });
  if (entry.kind === "faq") return [make(entry.body.trim(), 0)];
  const pieces: string[] = [];
  let current = "";
  for (const paragraph of entry.body
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)) {
    const parts = paragraph.length > options.maxChars ? sentenceWindows(paragraph, options.maxChars) : [paragraph];
    for (const part of parts) {
      if (current && current.length + 2 + part.length <= options.maxChars && parts.length === 1) current = `${current}\n\n${part}`;
      else {
        if (current) pieces.push(current);
        current = part;
      }
    }
    if (parts.length > 1) {
      pieces.push(current);
      current = "";
    }
  }
  if (current) pieces.push(current);
  return pieces.map(make);
}

function sentenceWindows(paragraph: string, maxChars: number): string[] {
  const segmenter = new Intl.Segmenter(undefined, { granularity: "sentence" });
  const sentences = [...segmenter.segment(paragraph)].map((s) => s.segment.trim()).filter(Boolean);
  const windows: string[] = [];
  let start = 0;
  while (start < sentences.length) {
    let end = start;
    let length = 0;
    while (end < sentences.length && (end === start || length + 1 + sentences[end]!.length <= maxChars)) length += sentences[end++]!.length + 1;
    windows.push(sentences.slice(start, end).join(" "));
    if (end >= sentences.length) break;
    // One sentence of overlap, unless the window held a single sentence.
    start = end - start > 1 ? end - 1 : end;
  }
  return windows;
}
