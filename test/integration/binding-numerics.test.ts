import { getLlama, LlamaLogLevel, type Llama, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localBinding } from "../../src/adapters/llm/native-binding.js";
import { ensureRandomLlama, type RandomLlamaShape } from "../../src/dev/tiny-model/build-tiny-model.js";
import { LlamaServer } from "../../test-kit/llama-server.js";
import { MODEL_CACHE_DIR } from "../../test-kit/test-env.js";

// The project's binding patches llama.cpp's CPU kernels (patches/binding: flash attention tiled for
// small batches, F16 vectors after the unrolled steps). Greedy decoding through it must pick the
// tokens llama.cpp's own server picks, unpatched, from the same source, on heads of the widths the
// patches change the path for: 64 and 96 (a whole AVX512-FP16 step is 128 halves), and 128.
const SHAPES: RandomLlamaShape[] = [
  { embeddingLength: 256, blockCount: 2, headCount: 4, feedForwardLength: 704 },
  { embeddingLength: 384, blockCount: 2, headCount: 4, feedForwardLength: 1024 },
  { embeddingLength: 512, blockCount: 2, headCount: 4, feedForwardLength: 1408 },
];
const PROMPT = "Hello! Do you bake sourdough on Saturdays, and can I order two loaves for the morning?";
const STEPS = 24;

let llama: Llama;

beforeAll(async () => {
  await localBinding();
  llama = await getLlama({ gpu: false, build: "never", maxThreads: 1, logLevel: LlamaLogLevel.error });
}, 120_000);

afterAll(async () => {
  await llama?.dispose();
});

describe("the project's native binding against llama-server, greedy", () => {
  for (const shape of SHAPES) {
    it(`${shape.embeddingLength / shape.headCount}-wide attention heads: the same ${STEPS} tokens, a prompt read in one batch and then one token a step`, async () => {
      const modelPath = await ensureRandomLlama(MODEL_CACHE_DIR, shape);
      const model = await llama.loadModel({ modelPath });
      const prompt = model.tokenize(PROMPT, true);
      const ours: Token[] = [];
      try {
        const context = await model.createContext({ contextSize: 512, sequences: 1, threads: 1 });
        try {
          for await (const token of context.getSequence().evaluate(prompt, { temperature: 0 })) {
            ours.push(token);
            if (ours.length === STEPS) break;
          }
        } finally {
          await context.dispose();
        }
      } finally {
        await model.dispose();
      }

      const server = await LlamaServer.start({ modelPath, parallel: 1, contextPerSlot: 512, batchSize: 512, flashAttention: "auto" });
      try {
        const res = await fetch(`${server.baseUrl}/completion`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            prompt: Array.from(prompt),
            n_predict: STEPS,
            temperature: 0,
            ignore_eos: true,
            return_tokens: true,
            cache_prompt: false,
          }),
        });
        const body = (await res.json()) as { tokens: number[] };
        expect(ours).toHaveLength(STEPS);
        expect(ours).toEqual(body.tokens);
      } finally {
        await server.stop();
      }
    }, 120_000);
  }
});
