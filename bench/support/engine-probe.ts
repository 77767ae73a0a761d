/**
 * Diagnostic for section 3 (not part of `npm run bench`): where a generated token's time goes on
 * the model, at 1/2/4/8 concurrent sequences, for a given thread count.
 *   npx tsx bench/support/engine-probe.ts [--threads N] [--persona] [--model PATH]
 * --persona uses the bakery persona (~330 tokens) as the system prompt, as section 3 does.
 * It uses node-llama-cpp directly (on purpose: it looks under the ChatModel port) and times the
 * context's native decodeBatch and sampleToken calls by wrapping them (internal fields of 3.21.1).
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { getLlama, LlamaChat, Llama2ChatWrapper, LlamaLogLevel } from "node-llama-cpp";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { renderSystemPrompt } from "../../src/domain/personas/render-persona.js";

const { values } = parseArgs({
  options: { threads: { type: "string", default: "1" }, persona: { type: "boolean", default: false }, model: { type: "string" } },
});
const threads = Number(values.threads);
const modelPath = values.model ?? ".cache/models/tiny-llama2-chat.gguf";
const system = values.persona
  ? renderSystemPrompt((await loadPersonaTemplate("support-bakery")).persona)
  : "You are Rosa, the assistant of Sunrise Bakery.";
const TOKENS = 128;
const llama = await getLlama({ gpu: false, build: "never", maxThreads: threads, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({ contextSize: 2048, sequences: 8, threads });
const holder = context as unknown as { _ctx: object };
const native = holder._ctx as Record<string, (...a: unknown[]) => unknown>;
const timing = { decodeMs: 0, decodes: 0, sampleMs: 0, samples: 0 };
const timed = { decodeBatch: ["decodeMs", "decodes"], sampleToken: ["sampleMs", "samples"] } as const;
holder._ctx = new Proxy(native, {
  get(target, name, receiver) {
    const value = Reflect.get(target, name, receiver) as unknown;
    if (typeof value !== "function") return value;
    const fn = (value as (...a: unknown[]) => unknown).bind(target);
    const fields = (timed as Record<PropertyKey, readonly ["decodeMs" | "sampleMs", "decodes" | "samples"]>)[name];
    if (!fields) return fn;
    return async (...a: unknown[]) => {
      const t = performance.now();
      try {
        return await fn(...a);
      } finally {
        timing[fields[0]] += performance.now() - t;
        timing[fields[1]]++;
      }
    };
  },
});
const chats = Array.from({ length: 8 }, () => new LlamaChat({ contextSequence: context.getSequence(), chatWrapper: new Llama2ChatWrapper() }));
const history = (i: number) => [
  { type: "system" as const, text: system },
  { type: "user" as const, text: `Hi, are you open on day ${i}?` },
  { type: "model" as const, response: [] },
];
process.stdout.write(`threads ${threads}; ${TOKENS} tokens per sequence; system prompt ${model.tokenize(system).length} tokens\n`);
process.stdout.write("concurrent  tokens/s  decodes  ms/decode  samples  ms/sample(wall, overlapping)  other ms/step\n");
for (const c of [1, 2, 4, 8]) {
  await Promise.all(chats.slice(0, c).map((chat, i) => chat.generateResponse(history(i), { maxTokens: 4 })));
  Object.assign(timing, { decodeMs: 0, decodes: 0, sampleMs: 0, samples: 0 });
  const t0 = performance.now();
  const results = await Promise.all(
    chats.slice(0, c).map((chat, i) => chat.generateResponse(history(i + 10), { maxTokens: TOKENS, temperature: 0.7 })),
  );
  const wall = performance.now() - t0;
  const generated = results.reduce((n, r) => n + model.tokenize(r.response).length, 0);
  const steps = timing.decodes;
  const sampleWallPerStep = timing.sampleMs / Math.max(1, steps) / c;
  process.stdout.write(
    `${String(c).padEnd(10)}  ${((generated / wall) * 1000).toFixed(0).padStart(8)}  ${String(steps).padStart(7)}  ${(timing.decodeMs / steps).toFixed(2).padStart(9)}  ` +
      `${String(timing.samples).padStart(7)}  ${(timing.sampleMs / Math.max(1, timing.samples)).toFixed(2).padStart(28)}  ${((wall - timing.decodeMs - sampleWallPerStep * steps) / steps).toFixed(2).padStart(13)}\n`,
  );
}
await llama.dispose();
