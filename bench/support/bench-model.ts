import type { Config } from "../../src/config/index.js";
import { LlamaChatModel } from "../../src/llm/llama-chat-model.js";
import { ensureTinyModel } from "../../src/llm/tiny-model/build-tiny-model.js";

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
