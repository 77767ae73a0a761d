/**
 * Diagnostic for section 1 (not part of `npm run bench`): does the next turn's prompt reuse the
 * reply tokens that are already in the KV cache? Prints, per turn, where the new prompt's tokens
 * first differ from the sequence's tokens, and the tokens around that point.
 *   npx tsx bench/support/retokenization-probe.ts [modelPath]
 * It uses node-llama-cpp directly on purpose (it looks under the ChatModel port).
 */
import { getLlama, LlamaChat, Llama2ChatWrapper, LlamaLogLevel } from "node-llama-cpp";
import type { ChatTurn } from "../../src/domain/chat-prompt.js";
import { toChatHistory } from "../../src/adapters/llm/to-chat-history.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { renderSystemPrompt } from "../../src/domain/personas/render-persona.js";
import { BAKERY_MESSAGES } from "./bakery-script.js";

const modelPath = process.argv[2] ?? ".cache/models/tiny-llama2-chat.gguf";
const llama = await getLlama({ gpu: false, build: "never", maxThreads: 1, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({ contextSize: 4096, sequences: 1, threads: 1 });
const sequence = context.getSequence();
const chat = new LlamaChat({ contextSequence: sequence, chatWrapper: new Llama2ChatWrapper() });
const wrapper = new Llama2ChatWrapper();
const system = renderSystemPrompt((await loadPersonaTemplate("support-bakery")).persona);
const turns: ChatTurn[] = [];
const show = (tokens: readonly number[], at: number) =>
  tokens
    .slice(Math.max(0, at - 3), at + 5)
    .map((t) => JSON.stringify(model.detokenize([t as never], true)))
    .join(" ");
for (const [i, text] of BAKERY_MESSAGES.slice(0, 5).entries()) {
  turns.push({ role: "user", text });
  const history = toChatHistory({ system, turns });
  const tokens = wrapper.generateContextState({ chatHistory: history }).contextText.tokenize(model.tokenizer);
  const cached = sequence.contextTokens;
  const { firstDifferentIndex } = sequence.compareContextTokens(tokens);
  process.stdout.write(
    `turn ${i + 1}: prompt ${tokens.length} tokens; KV cache holds ${cached.length}; reused ${firstDifferentIndex}, evaluated ${tokens.length - firstDifferentIndex}\n`,
  );
  if (i > 0 && firstDifferentIndex < cached.length) {
    process.stdout.write(`  KV cache : ${show(cached, firstDifferentIndex)}\n  prompt   : ${show(tokens, firstDifferentIndex)}\n`);
  }
  const response = await chat.generateResponse(history, { maxTokens: 48, temperature: 0.7 });
  turns.push({ role: "assistant", text: response.response.trim() || "(empty)" });
}
await llama.dispose();
