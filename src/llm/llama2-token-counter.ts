import { UnavailableError } from "../domain/errors.js";

type Encoder = { encode(text: string, addBos?: boolean, addPrecedingSpace?: boolean): number[] };

/**
 * Counts Llama-2 tokens without loading a model (for the gateway, which has none): the pure-JS
 * Llama-2 tokenizer, which matches the model's own tokenizer (checked in test/unit/tiny-model).
 * Its vocabulary loads in the background when this is created.
 */
export function createLlama2TokenCounter(): (text: string) => number {
  let encoder: Encoder | undefined;
  const loading = import("llama-tokenizer-js").then((m) => {
    encoder = m.default as Encoder;
  });
  loading.catch(() => undefined);
  return (text) => {
    if (!encoder) throw new UnavailableError("TOKENIZER_LOADING", "the tokenizer is still loading; retry in a moment");
    return encoder.encode(text, false, true).length;
  };
}
