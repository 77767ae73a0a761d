import { UnavailableError } from "../../domain/errors.js";
import { PromptFormat } from "./prompt-format.js";
import { ServerTokenCounter, type ServerTokenCounterOptions } from "./server-token-counter.js";

type Encoder = { encode(text: string, addBos?: boolean, addPrecedingSpace?: boolean): number[] };

/** What Llama-2-chat's template adds around a system prompt with an empty first message: BOS, `[INST] <<SYS>>`, `<</SYS>>`, ` [/INST]` (pinned against the model in test/unit/persona-token-counter.test.ts). */
export const LLAMA2_SYSTEM_TEMPLATE_TOKENS = 23;

export interface PersonaTokenCounter {
  /** Tokens of a system prompt with the model's chat template, as the worker counts it; UnavailableError (503) when it cannot be counted. */
  count(systemPrompt: string): Promise<number>;
  readonly source: string;
  close(): Promise<void>;
}

const ENGINE_RETRY_MS = 5000;

type Counting = { count(systemPrompt: string): number | Promise<number>; close(): Promise<void> };

/**
 * The gateway has no model loaded, yet the console's persona budget must be counted as the worker
 * will count it. With the worker's model file at hand (MODEL_PATH), its vocabulary and chat template
 * are read (no weights: a few MB); else, on an inference engine, the engine counts (its /tokenize);
 * else the default model's tokenizer (Llama-2, in pure JS) plus Llama-2-chat's template. Loaded at
 * the first count, so a gateway that never counts (most of them, most of the time) starts and
 * stops without loading node-llama-cpp.
 */
export function createPersonaTokenCounter(modelPath: string | undefined, engine?: ServerTokenCounterOptions): PersonaTokenCounter {
  let loading: Promise<Counting> | undefined;
  let failedAt: number | undefined;
  const load = () =>
    (loading ??= (modelPath ? fromModelFile(modelPath) : engine ? fromEngine(engine) : fromLlama2Tokenizer()).catch((error: unknown) => {
      failedAt = Date.now();
      throw error;
    }));
  return {
    source: modelPath
      ? `the vocabulary and template of ${modelPath}`
      : engine
        ? `the inference engine at ${engine.baseUrl}`
        : "the built-in Llama-2 tokenizer and Llama-2-chat template",
    async count(systemPrompt) {
      // An engine that was down is asked again after a while (a missing file is not).
      if (failedAt !== undefined && engine && !modelPath && Date.now() - failedAt > ENGINE_RETRY_MS) {
        loading = undefined;
        failedAt = undefined;
      }
      let counting: Counting;
      try {
        counting = await load();
      } catch (error) {
        throw new UnavailableError("TOKENIZER_UNAVAILABLE", `persona tokens cannot be counted: ${(error as Error).message}`, { cause: error });
      }
      return counting.count(systemPrompt);
    },
    close: async () => {
      const counting = await loading?.catch(() => undefined);
      await counting?.close();
    },
  };
}

const withEmptyMessage = (system: string) => ({ system, turns: [{ role: "user" as const, text: "" }] });

async function fromModelFile(modelPath: string): Promise<Counting> {
  const { format, close } = await PromptFormat.loadVocabulary(modelPath);
  return { count: (system) => format.countPrompt(withEmptyMessage(system)), close };
}

async function fromEngine(engine: ServerTokenCounterOptions): Promise<Counting> {
  const counter = await ServerTokenCounter.connect(engine);
  return { count: (system) => counter.countPrompt(withEmptyMessage(system)), close: () => counter.close() };
}

async function fromLlama2Tokenizer(): Promise<Counting> {
  const encoder = (await import("llama-tokenizer-js")).default as Encoder;
  return { count: (system) => encoder.encode(system, false, true).length + LLAMA2_SYSTEM_TEMPLATE_TOKENS, close: async () => undefined };
}
