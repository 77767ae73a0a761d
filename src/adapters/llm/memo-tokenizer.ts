import { LRUCache } from "lru-cache";
import type { Token, Tokenizer } from "node-llama-cpp";

/** Text of segments remembered per combination of flags and options (at most four), in characters: ~4 MB of strings each, their tokens about as much again. */
const MAX_CHARS = 2_000_000;

/** A tokenizer that can forget what it remembered. */
export type MemoTokenizer = Tokenizer & {
  /** Forgets every remembered segment (they hold persona and message text). */
  clear(): void;
};

/**
 * A model's tokenizer that remembers what it tokenized. node-llama-cpp tokenizes a prompt segment
 * by segment (the text between two special tokens, LlamaText.tokenize), and every turn's prompt
 * repeats the business's persona and the earlier turns as the same segments: llama.cpp's
 * tokenizer spent ~1.4 µs a token on them again each time (0.6-1.5 ms for a 464-token persona,
 * several times per turn: counting, then building the prompt). The same text, flags and options
 * give the same tokens, so a segment seen before costs a lookup. Callers get their own copy.
 * The segments are conversation text in process memory only; `clear` drops them all (erasure).
 */
export function memoTokenizer(tokenizer: Tokenizer): MemoTokenizer {
  const caches = new Map<string, LRUCache<string, readonly Token[]>>();
  const cacheFor = (key: string) => {
    let cache = caches.get(key);
    if (!cache)
      caches.set(
        key,
        (cache = new LRUCache<string, readonly Token[]>({ maxSize: MAX_CHARS, sizeCalculation: (_, text) => Math.max(1, text.length) })),
      );
    return cache;
  };
  const tokenize = ((text: string, specialTokens?: boolean | "builtin", options?: "trimLeadingSpace") => {
    // Built-in special tokens ("BOS", ...) are a lookup already.
    if (specialTokens === "builtin") return tokenizer(text as never, "builtin");
    const cache = cacheFor(`${specialTokens === true}:${options ?? ""}`);
    let tokens = cache.get(text);
    if (!tokens) cache.set(text, (tokens = tokenizer(text, specialTokens, options)));
    return tokens.slice();
  }) as Tokenizer;
  return Object.assign(tokenize, {
    detokenize: tokenizer.detokenize,
    isSpecialToken: tokenizer.isSpecialToken,
    isEogToken: tokenizer.isEogToken,
    clear: () => caches.clear(),
  });
}
