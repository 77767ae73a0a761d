import type { Config } from "../../src/config/index.js";
import { LlamaChatModel } from "../../src/adapters/llm/llama-chat-model.js";
import { ensureRandomLlama, ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";

export interface ModelChoice {
  readonly path: string;
  /** True for the tiny random-weight model (MODEL_PATH not set): its replies are noise. */
  readonly tiny: boolean;
}

/** MODEL_PATH when set, else the tiny random-weight model, built into the model cache once. */
export async function chooseModel(config: Config): Promise<ModelChoice> {
  if (config.model.path) return { path: config.model.path, tiny: false };
  return { path: await ensureTinyModel(config.model.cacheDir), tiny: true };
}

/**
 * A random-weight Llama `width` wide with the tiny model's tokenizer, 2 blocks, 64-wide heads and
 * Llama-2's feed-forward ratio, built into the model cache once (1,024 wide: ~0.4 GB). The tiny
 * model is 64 wide: far less to compute per token, and weights that fit in the CPU cache.
 */
export async function wideRandomModel(config: Config, width: number): Promise<ModelChoice> {
  const shape = { embeddingLength: width, blockCount: 2, headCount: width / 64, feedForwardLength: Math.round((width * 2.6875) / 64) * 64 };
  return { tiny: false, path: await ensureRandomLlama(config.model.cacheDir, shape) };
}

/** One LlamaChatModel with the configured threads, temperature, seed and KV type; sequences/context as the section needs. */
export function loadBenchModel(
  config: Config,
  model: ModelChoice,
  overrides: { readonly sequences: number; readonly contextSize?: number },
): Promise<LlamaChatModel> {
  return LlamaChatModel.load({
    ...config.model,
    modelPath: model.path,
    sequences: overrides.sequences,
    contextSize: overrides.contextSize ?? config.model.contextSize,
  });
}
