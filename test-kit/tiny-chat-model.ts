import { LlamaChatModel } from "../src/adapters/llm/llama-chat-model.js";
import { ensureTinyModel } from "../src/dev/tiny-model/build-tiny-model.js";
import { MODEL_CACHE_DIR } from "./test-env.js";

/** The real engine on the tiny random-weight model (real Llama-2 tokenizer and chat template; replies are noise). */
export async function loadTinyChatModel(options: { contextSize?: number; sequences?: number } = {}): Promise<LlamaChatModel> {
  return LlamaChatModel.load({
    modelPath: await ensureTinyModel(MODEL_CACHE_DIR),
    threads: 2,
    contextSize: options.contextSize ?? 4096,
    sequences: options.sequences ?? 1,
    temperature: 0,
    seed: 1,
  });
}
