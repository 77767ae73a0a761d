import { getLlama, Llama2ChatWrapper, LlamaChat, LlamaLogLevel, type Llama, type LlamaContext, type LlamaModel } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatPrompt } from "../../src/domain/chat-prompt.js";
import { DecodeSteps } from "../../src/adapters/llm/decode-steps.js";
import { generateOnSequence, REPEAT_PENALTY } from "../../src/adapters/llm/generate-on-sequence.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { toChatHistory } from "../../src/adapters/llm/to-chat-history.js";
import { MODEL_CACHE_DIR } from "../../test-kit/test-env.js";

// generate-on-sequence.ts drives the sequence itself instead of through LlamaChat (see its comment)
// and copies LlamaChat's sampling defaults. This pins the copy: for the same prompt, seed and
// temperature it must produce what LlamaChat produces on the same model, so a node-llama-cpp
// upgrade that changes LlamaChat's defaults (penalty window, newline handling, top-k/top-p),
// rendering or stop handling fails here first.

const PROMPTS: Record<string, ChatPrompt> = {
  "first turn": { system: "You are the assistant of a bakery. Opening hours: 8-18.", turns: [{ role: "user", text: "Are you open on Sunday?" }] },
  "third turn": {
    system: "You are Mia's fan agent, an AI. Be warm and short.",
    turns: [
      { role: "user", text: "hi mia!! loved the show" },
      { role: "assistant", text: "Thank you so much! I'm Mia's AI assistant." },
      { role: "user", text: "¿cuándo es el próximo concierto? 🎤" },
    ],
  },
};
const SAMPLINGS = [
  { temperature: 0, seed: 1 },
  { temperature: 0.8, seed: 7 },
  { temperature: 1.2, seed: 12345 },
];
const MAX_TOKENS = 48;

let llama: Llama;
let model: LlamaModel;
let ours: LlamaContext;
let theirs: LlamaContext;

beforeAll(async () => {
  llama = await getLlama({ gpu: false, build: "never", maxThreads: 2, logLevel: LlamaLogLevel.error });
  model = await llama.loadModel({ modelPath: await ensureTinyModel(MODEL_CACHE_DIR) });
  ours = await model.createContext({ contextSize: 1024, sequences: 1, threads: 1 });
  theirs = await model.createContext({ contextSize: 1024, sequences: 1, threads: 1 });
}, 60_000);

afterAll(async () => {
  await ours?.dispose();
  await theirs?.dispose();
  await model?.dispose();
  await llama?.dispose();
});

describe("the forked generation loop matches node-llama-cpp's LlamaChat", () => {
  for (const [name, prompt] of Object.entries(PROMPTS)) {
    for (const sampling of SAMPLINGS) {
      it(`${name}, temperature ${sampling.temperature}, seed ${sampling.seed}: the same text`, async () => {
        const wrapper = new Llama2ChatWrapper();
        const history = toChatHistory(prompt);

        const theirSequence = theirs.getSequence();
        const chat = new LlamaChat({ contextSequence: theirSequence, chatWrapper: wrapper });
        // Our one deliberate difference, given to LlamaChat too: a repeat penalty of 1.1 (see REPEAT_PENALTY).
        const reference = await chat.generateResponse(history, { maxTokens: MAX_TOKENS, ...sampling, repeatPenalty: { penalty: REPEAT_PENALTY } });
        chat.dispose();
        theirSequence.dispose();

        const state = wrapper.generateContextState({ chatHistory: history });
        const sequence = ours.getSequence();
        const generated = await generateOnSequence(sequence, state.contextText.tokenize(model.tokenizer), {
          maxTokens: MAX_TOKENS,
          ...sampling,
          signal: new AbortController().signal,
          steps: new DecodeSteps(ours),
          slot: 0,
          stopTexts: state.stopGenerationTriggers.filter((t) => t.values.every((v) => typeof v === "string")).map((t) => t.toString()),
        });
        sequence.dispose();

        // Noise from random weights, but the same noise: a differing default shows as different text.
        expect(reference.response.length).toBeGreaterThan(0);
        // LlamaChat detokenizes the first token without the prompt before it, which drops its leading
        // space; the reply is trimmed before it is used (guardrails/after-generation.ts).
        expect(generated.text.trimStart()).toBe(reference.response);
        expect(generated.stopReason === "end").toBe(reference.metadata.stopReason !== "maxTokens");
      }, 60_000);
    }
  }
});
