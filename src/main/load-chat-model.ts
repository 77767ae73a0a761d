import type { Config } from "../config/index.js";
import { LlamaChatModel } from "../adapters/llm/llama-chat-model.js";
import { OpenAiChatModel } from "../adapters/llm/openai-chat-model.js";
import { localPromptCounter, type PromptCounter } from "../adapters/llm/prompt-counter.js";
import { PromptFormat } from "../adapters/llm/prompt-format.js";
import { ServerTokenCounter } from "../adapters/llm/server-token-counter.js";
import type { ChatModel } from "../ports/chat-model.js";

/** The worker's model: node-llama-cpp in this process (LLM_ENGINE=embedded), or an inference engine over the OpenAI-compatible API. */
export async function loadChatModel(config: Config): Promise<ChatModel> {
  const { engine, path: modelPath } = config.model;
  if (engine.kind === "embedded") return LlamaChatModel.load({ modelPath: modelPath!, ...config.model });
  // Trimming needs the count before asking: the same model's vocabulary when its GGUF is here, else the engine's own tokenizer.
  const counter: PromptCounter = modelPath
    ? await PromptFormat.loadVocabulary(modelPath).then(({ format, close }) => localPromptCounter(format, close))
    : await ServerTokenCounter.connect({ baseUrl: engine.baseUrl, apiKey: engine.apiKey, model: engine.model, timeoutMs: engine.timeoutMs });
  try {
    return await OpenAiChatModel.connect({
      baseUrl: engine.baseUrl,
      apiKey: engine.apiKey,
      model: engine.model,
      contextSize: config.model.contextSize,
      seed: config.model.seed,
      counter,
      slots: engine.slots,
      timeoutMs: engine.timeoutMs,
      maxAttempts: engine.maxAttempts,
    });
  } catch (error) {
    await counter.close();
    throw error;
  }
}
