import { UnavailableError } from "../domain/errors.js";
import { PromptFormat } from "./prompt-format.js";

type Encoder = { encode(text: string, addBos?: boolean, addPrecedingSpace?: boolean): number[] };

/** What Llama-2-chat's template adds around a system prompt with an empty first message: BOS, `[INST] <<SYS>>`, `<</SYS>>`, ` [/INST]` (pinned against the model in test/unit/persona-token-counter.test.ts). */
export const LLAMA2_SYSTEM_TEMPLATE_TOKENS = 23;

export interface PersonaTokenCounter {
  /** Tokens of a system prompt with the model's chat template, as the worker counts it; UnavailableError while loading or when the model file cannot be read. */
  count(systemPrompt: string): number;
  /** Resolves once counting works; rejects with why it never will (a missing or unreadable model file). */
  readonly ready: Promise<void>;
  readonly source: string;
  close(): Promise<void>;
}

/**
 * The gateway has no model loaded, yet the console's persona budget must be counted as the worker
 * will count it. With the worker's model file at hand (MODEL_PATH), its vocabulary and chat template
 * are read (no weights: a few MB, as the engine client does); without one, the default model's
 * tokenizer (Llama-2, in pure JS) plus Llama-2-chat's template. Both load in the background.
 */
export function createPersonaTokenCounter(modelPath: string | undefined): PersonaTokenCounter {
  let count: ((systemPrompt: string) => number) | undefined;
  let failure: Error | undefined;
  let release = async (): Promise<void> => undefined;
  const ready = (modelPath ? fromModelFile(modelPath) : fromLlama2Tokenizer()).then(
    (loaded) => {
      count = loaded.count;
      release = loaded.close;
    },
    (error: Error) => {
      failure = error;
      throw error;
    },
  );
  ready.catch(() => undefined);
  return {
    ready,
    source: modelPath ? `the vocabulary and template of ${modelPath}` : "the built-in Llama-2 tokenizer and Llama-2-chat template",
    count(systemPrompt) {
      if (failure) throw new UnavailableError("TOKENIZER_UNAVAILABLE", `persona tokens cannot be counted: ${failure.message}`, { cause: failure });
      if (!count) throw new UnavailableError("TOKENIZER_LOADING", "the tokenizer is still loading; retry in a moment");
      return count(systemPrompt);
    },
    close: async () => {
      await ready.catch(() => undefined);
      await release();
    },
  };
}

async function fromModelFile(modelPath: string): Promise<{ count(systemPrompt: string): number; close(): Promise<void> }> {
  const { format, close } = await PromptFormat.loadVocabulary(modelPath);
  return { count: (system) => format.countPrompt({ system, turns: [{ role: "user", text: "" }] }), close };
}

async function fromLlama2Tokenizer(): Promise<{ count(systemPrompt: string): number; close(): Promise<void> }> {
  const encoder = (await import("llama-tokenizer-js")).default as Encoder;
  return { count: (system) => encoder.encode(system, false, true).length + LLAMA2_SYSTEM_TEMPLATE_TOKENS, close: async () => undefined };
}
