/** Platform limits on one text message, in UTF-16 code units (JavaScript string length). */
export const WHATSAPP_TEXT_LIMIT = 4096;
export const INSTAGRAM_TEXT_LIMIT = 1000;

// A sentence ends with . ! ? … (then whitespace), or with CJK 。！？ (no space needed); closing quotes stay with it.
const SENTENCE_END = /[.!?…]+["'”’»)\]]*(?=\s)|[。！？]+[”’」』)\]]*/g;
const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * Splits a reply into messages of at most `maxChars`, cutting at the best boundary available:
 * paragraph, sentence, line, word, then grapheme (never inside a surrogate pair). Whitespace at the
 * cuts is dropped; nothing else is. Pure; an empty or blank text gives no messages.
 */
export function splitMessage(text: string, maxChars: number): string[] {
  if (!Number.isInteger(maxChars) || maxChars < 2) throw new RangeError(`maxChars must be an integer >= 2, got ${maxChars}`);
  const chunks: string[] = [];
  let rest = text.trim();
  while (rest.length > maxChars) {
    const cut = findCut(rest, maxChars);
    const head = rest.slice(0, cut).trimEnd();
    if (head.length > 0) chunks.push(head);
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0) chunks.push(rest);
  return chunks;
}

/** Where to cut `text` (longer than max) so that the head fits: an index in 1..max. */
function findCut(text: string, max: number): number {
  // One character past the limit, so a boundary right at the limit is visible.
  const window = text.slice(0, max + 1);
  // Prefer cuts that keep at least ~30% of the limit, so messages do not come out tiny.
  const min = Math.max(1, Math.floor(max * 0.3));

  const paragraph = window.lastIndexOf("\n\n");
  if (paragraph >= min) return paragraph;

  let sentence = -1;
  for (const m of window.matchAll(SENTENCE_END)) {
    const end = m.index + m[0].length;
    if (end <= max) sentence = end;
  }
  if (sentence >= min) return sentence;

  const line = window.lastIndexOf("\n");
  if (line >= min) return line;

  for (let i = Math.min(max, window.length - 1); i > 0; i--) {
    if (/\s/.test(window[i]!)) return i;
  }
  return graphemeCut(text, max);
}

/** The last grapheme boundary at or before max; inside an overlong grapheme, the last code point boundary. */
function graphemeCut(text: string, max: number): number {
  let cut = 0;
  for (const { index, segment } of graphemes.segment(text.slice(0, max + 32))) {
    const end = index + segment.length;
    if (end > max) break;
    cut = end;
  }
  if (cut > 0) return cut;
  return isBoundary(text, max) ? max : max - 1;
}

function isBoundary(text: string, i: number): boolean {
  const code = text.charCodeAt(i - 1);
  return !(code >= 0xd800 && code <= 0xdbff);
}
