import { LlamaText, SpecialToken, SpecialTokensText, type LlamaModel, type Token } from "node-llama-cpp";
import { sameValue, startsWith, type EvaluatedPrompt } from "./reusable-prompt-tokens.js";

export interface TrimShift {
  /** Token range of the dropped turns in the sequence: erase it and shift what follows. */
  readonly start: number;
  readonly end: number;
  /** The prompt the sequence holds once the range is erased. */
  readonly evaluated: EvaluatedPrompt;
}

/**
 * When `next` is the sequence's last prompt with its oldest turns trimmed (the persona kept, the
 * newest turns kept), the token range those turns occupy in the KV cache, so that erasing it and
 * shifting the rest (llama.cpp moves the kept cells' positions) replaces re-reading every kept
 * turn, ~3,000 tokens at each trim of a long conversation.
 *
 * The kept cells were computed while the dropped turns were in front of them, as with llama.cpp's
 * context shift: close to, not the same as, reading the trimmed prompt fresh.
 *
 * Kept replies sit in the cache as the tokens the model generated, which a tokenizer would not
 * reproduce, so the range is found by structure: the dropped turns end with their last BOS and
 * the chat template's text after it; both ends are checked against the tokens before trusting it.
 * Anything else (a changed persona, a merged or edited turn) gives undefined: read it again.
 */
export function planTrimShift(model: LlamaModel, last: EvaluatedPrompt, next: LlamaText, contextTokens: readonly Token[]): TrimShift | undefined {
  const held = last.text.values;
  const wanted = next.values;
  let header = 0;
  while (header < held.length && header < wanted.length && sameValue(held[header], wanted[header])) header++;
  // A prompt that continues the last one (every turn but a trim) stops here, before any token work.
  if (header === 0 || header >= held.length || header >= wanted.length) return undefined;
  if (!startsWith(contextTokens, last.tokens)) return undefined;

  // The fewest leading values to drop so that what is left of the held prompt starts the next one.
  let drop = 1;
  for (; header + drop < held.length; drop++) {
    const kept = held.slice(header + drop);
    if (kept.every((v, i) => sameValue(v, wanted[header + i]))) break;
  }
  if (header + drop >= held.length) return undefined;
  const dropped = held.slice(header, header + drop);
  const kept = held.slice(header + drop);

  const lastBos = dropped.findLastIndex((v) => v instanceof SpecialToken && v.value === "BOS");
  if (lastBos < 0) return undefined;
  const afterBos = dropped.slice(lastBos + 1);
  if (!afterBos.every((v) => v instanceof SpecialTokensText)) return undefined;
  const bosCount = dropped.filter((v) => v instanceof SpecialToken && v.value === "BOS").length;
  const firstKept = kept[0];
  if (typeof firstKept !== "string") return undefined;

  const bos = model.tokens.bos;
  if (bos === null) return undefined;
  const headerTokens = LlamaText(held.slice(0, header)).tokenize(model.tokenizer);
  if (!startsWith(last.tokens, headerTokens)) return undefined;
  const start = headerTokens.length;
  let bosAt = start - 1;
  for (let n = 0; n < bosCount; n++) {
    bosAt = last.tokens.indexOf(bos, bosAt + 1);
    if (bosAt < 0) return undefined;
  }
  const templateTokens = LlamaText(afterBos).tokenize(model.tokenizer, "trimLeadingSpace");
  const end = bosAt + 1 + templateTokens.length;
  const firstKeptTokens = model.tokenize(firstKept, false, "trimLeadingSpace");
  if (!startsWith(last.tokens.slice(bosAt + 1), [...templateTokens, ...firstKeptTokens])) return undefined;

  return {
    start,
    end,
    evaluated: { text: LlamaText([...held.slice(0, header), ...kept]), tokens: [...last.tokens.slice(0, start), ...last.tokens.slice(end)] },
  };
}
