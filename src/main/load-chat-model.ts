import type { Config } from "../config/index.js";
import { LlamaChatModel } from "../llm/llama-chat-model.js";
import { OpenAiChatModel } from "../llm/openai-chat-model.js";
import { PromptFormat } from "../llm/prompt-format.js";
import type { ChatModel } from "../ports/chat-model.js";

/** The worker's model: node-llama-cpp in this process (LLM_ENGINE=embedded), or an inference engine over the OpenAI-compatible API. */
export async function loadChatModel(config: Config): Promise<ChatModel> {
  const { engine, path: modelPath } = config.model;
  if (engine.kind === "embedded") return LlamaChatModel.load({ modelPath: modelPath!, ...config.model });
  // The same model's tokenizer and template, for counting: trimming needs the count before asking.
  const vocabulary = await PromptFormat.loadVocabulary(modelPath!);
  try {
    return await OpenAiChatModel.connect({
      baseUrl: engine.baseUrl,
      apiKey: engine.apiKey,
      model: engine.model,
      contextSize: config.model.contextSize,
      temperature: config.model.temperature,
      seed: config.model.seed,
      format: vocabulary.format,
      slots: engine.slots,
      timeoutMs: engine.timeoutMs,
      maxAttempts: engine.maxAttempts,
      release: vocabulary.close,
    });
  } catch (error) {
    await vocabulary.close();
    throw error;
  }
}
