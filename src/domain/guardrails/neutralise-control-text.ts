// Chat-template markers every model gets, with any spacing and case, matched on a skeleton of the
// text (see skeleton()), not on the text as typed. A partial marker ("[INST" without "]") is caught
// too, since a model reads it the same way.
const COMMON_MARKERS = [
  // Llama-2-chat (and Mistral): [INST] [/INST] <<SYS>> <</SYS>> <s> </s>.
  /\[\s*\/?\s*inst\b\s*\]?/giu,
  /<{1,2}\s*\/?\s*sys\b\s*>{0,2}/giu,
  /<\s*\/?\s*s\s*>/giu,
  // <|word|>: ChatML, Llama 3, Phi, DeepSeek (whose bars are fullwidth, folded by the skeleton).
  /<\s*\|\s*[\p{L}\p{N}_\u2581-]+(?:\s*\|(?:\s*>)?)?/giu,
  // Gemma: <start_of_turn> <end_of_turn>.
  /<\s*\/?\s*(?:start|end)_of_turn\b\s*>?/giu,
];

// Look-alikes that a tokenizer never merges with the letters into the marker's tokens.
// Only NFKC would fold the fullwidth forms back; message text is normalised with NFC only.
const INERT: Record<string, string> = { "[": "\uFF3B", "]": "\uFF3D", "<": "\u2039", ">": "\u203A", "|": "\uFF5C" };

// Characters that show nothing (zero-width space and joiners, soft hyphen, word joiner, bidi marks,
// BOM, tag characters: Unicode's Cf), plus the combining grapheme joiner, variation selectors and
// Hangul fillers. Inside a marker they split its tokens for a filter but not for a reader.
// biome-ignore lint/suspicious/noMisleadingCharacterClass: each code point is matched on its own, on purpose (they are what splits a marker).
const INVISIBLE = /[\p{Cf}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180D\u3164\uFE00-\uFE0F\uFFA0]/u;

// What NFKC leaves apart but a reader (or a model that saw enough Unicode) takes for the ASCII
// character: brackets, angle brackets, slashes, and the letters of INST, SYS and s from Cyrillic,
// Greek and small capitals. Our own inert brackets are here too, so neutralising twice changes nothing.
const CONFUSABLE: Record<string, string> = {
  ...Object.fromEntries([..."\u2045\u27E6\u3010\u3014\u301A\uFF3B"].map((c) => [c, "["])),
  ...Object.fromEntries([..."\u2046\u27E7\u3011\u3015\u301B\uFF3D"].map((c) => [c, "]"])),
  ...Object.fromEntries([..."\u02C2\u1438\u2039\u2329\u27E8\u3008\uFE64\uFF1C"].map((c) => [c, "<"])),
  ...Object.fromEntries([..."\u02C3\u1433\u203A\u232A\u27E9\u3009\uFE65\uFF1E"].map((c) => [c, ">"])),
  ...Object.fromEntries([..."\u2044\u2215\u29F8\u2571\uFF0F"].map((c) => [c, "/"])),
  ...Object.fromEntries([..."\u2223\u23D0\uFF5C"].map((c) => [c, "|"])),
  ...Object.fromEntries([..."\u0399\u03B9\u0406\u0456\u04C0\u04CF\u026A\u2160\u01C0"].map((c) => [c, "i"])),
  ...Object.fromEntries([..."\u039D\u0274"].map((c) => [c, "n"])),
  ...Object.fromEntries([..."\u0405\u0455\uA731"].map((c) => [c, "s"])),
  ...Object.fromEntries([..."\u03A4\u03C4\u0422\u0442\u1D1B"].map((c) => [c, "t"])),
  ...Object.fromEntries([..."\u03A5\u04AE\u04AF\u028F\u0423\u0443"].map((c) => [c, "y"])),
};

const BRACKET_CLASS: Record<string, "[" | "]" | "<" | ">" | "|"> = { "[": "[", "]": "]", "<": "<", ">": ">", "|": "|" };

interface Skeleton {
  readonly text: string;
  /** For each UTF-16 unit of `text`, the [start, end) of the code point of the original it came from. */
  readonly from: ReadonlyArray<readonly [number, number]>;
}

/** The text as a reader sees it: invisible characters dropped, compatibility forms (NFKC) and look-alikes folded to ASCII. */
function skeleton(text: string): Skeleton {
  let out = "";
  const from: Array<readonly [number, number]> = [];
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    const end = i + ch.length;
    if (!INVISIBLE.test(ch)) {
      const folded = CONFUSABLE[ch] ?? ch.normalize("NFKC");
      for (let k = 0; k < folded.length; k++) from.push([i, end]);
      out += folded;
    }
    i = end;
  }
  return { text: out, from };
}

/** One marker as found in the original text: invisible characters out, every bracket (or look-alike) made inert. */
function inertSpan(span: string): string {
  let out = "";
  for (const ch of span) {
    if (INVISIBLE.test(ch)) continue;
    const bracket = BRACKET_CLASS[CONFUSABLE[ch] ?? ch.normalize("NFKC")];
    out += bracket ? INERT[bracket]! : ch;
  }
  return out;
}

/**
 * A model's control markup as a pattern: its words must match, spacing and case aside, and the
 * punctuation after the last word may be missing ("<|eot_id" reads as "<|eot_id|>").
 */
function markerPattern(marker: string): RegExp {
  const parts = marker.match(/[\p{L}\p{N}_\u2581]+|\S/gu) ?? [];
  const lastWord = parts.findLastIndex((p) => /[\p{L}\p{N}_\u2581]/u.test(p));
  const escape = (p: string) => p.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const head = parts
    .slice(0, lastWord + 1)
    .map(escape)
    .join("\\s*");
  const tail = parts.slice(lastWord + 1).reduceRight((rest, p) => `(?:\\s*${escape(p)}${rest})?`, "");
  return new RegExp(lastWord < 0 ? parts.map(escape).join("\\s*") : head + tail, "giu");
}

/**
 * Makes chat-template control text in user input inert before it reaches a prompt: the brackets
 * (and bars) of every marker become look-alike characters, so "[INST]" reads as "［INST］" and
 * "<|im_start|>" as "‹｜im_start｜›", and tokenize to different tokens. A marker spelled with
 * look-alikes or with invisible characters inside ("[I\u200BNST]", "［ＩＮＳＴ］", "‹/ѕ›") is found
 * as well, and comes out the same way, with the invisible characters removed. Other text is
 * untouched; applying it twice changes nothing more.
 *
 * Every instance knows the common templates' markers (Llama 2, ChatML, Llama 3, Gemma); one made
 * for a loaded model also knows that model's own control tokens (ChatModel.controlMarkers).
 */
export class ControlText {
  private readonly markers: readonly RegExp[];

  constructor(modelMarkers: readonly string[] = []) {
    // Only what the common markers leave (Llama 3's 250 <|reserved_...|> tokens are all theirs
    // already): each pattern runs over every customer message of every prompt.
    const own = modelMarkers.filter((m) => /[<>[\]|\uFF5C]/u.test(m) && /[<>[\]|]/.test(commonOnly(m)));
    this.markers = [...COMMON_MARKERS, ...own.map(markerPattern)];
  }

  neutralise(text: string): string {
    return neutraliseWith(this.markers, text);
  }

  /** Whether the text holds something neutralise would change. */
  has(text: string): boolean {
    return this.neutralise(text) !== text;
  }
}

const commonOnly = (text: string) => neutraliseWith(COMMON_MARKERS, text);

function neutraliseWith(markers: readonly RegExp[], text: string): string {
  const { text: folded, from } = skeleton(text);
  const spans: Array<[number, number]> = [];
  for (const marker of markers) {
    for (const m of folded.matchAll(marker)) {
      if (m[0].length === 0) continue;
      spans.push([from[m.index]![0], from[m.index + m[0].length - 1]![1]]);
    }
  }
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let out = "";
  let at = 0;
  for (const [start, end] of spans) {
    if (end <= at) continue;
    const from0 = Math.max(start, at);
    out += text.slice(at, from0) + inertSpan(text.slice(from0, end));
    at = end;
  }
  return out + text.slice(at);
}

/** The common templates' markers only: for where no model is loaded (the gateway, persona checks). */
export const commonControlText = new ControlText();

const forModel = new WeakMap<object, ControlText>();

/** The control text of a loaded model (its own control tokens too), made once per model. */
export function controlTextOf(model: { readonly controlMarkers?: readonly string[] | undefined }): ControlText {
  if (!model.controlMarkers?.length) return commonControlText;
  let found = forModel.get(model);
  if (!found) forModel.set(model, (found = new ControlText(model.controlMarkers)));
  return found;
}

export function neutraliseControlText(text: string): string {
  return commonControlText.neutralise(text);
}

export function hasControlText(text: string): boolean {
  return commonControlText.has(text);
}
