/**
 * Diagnostic for section 3 (not run by `npm run bench`): where the time of our own generation path
 * (`LlamaChatModel.generate`, the path section 3 measures) goes at 1 and 4 concurrent
 * conversations on the configured model (the tiny one without MODEL_PATH).
 *   npx tsx bench/support/batching-probe.ts [--rounds N] [--levels 1,4] [--passes 3]
 * The model's decode loop is src/adapters/llm/decode-steps.ts: each step decodes every running
 * conversation's token at once, then samples them.
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/support/batching-probe.ts
 * It times the context's native decodeBatch and sampleToken calls by wrapping them (internal
 * fields of node-llama-cpp 3.21.1), and counts how many tokens each decode carried.
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { loadConfig } from "../../src/config/index.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { renderSystemPrompt } from "../../src/domain/personas/render-persona.js";
import { bakeryMessage } from "./bakery-script.js";
import { LlamaChatModel } from "../../src/adapters/llm/llama-chat-model.js";
import { chooseModel } from "./bench-model.js";
import { spyOnNativeContexts } from "../../test-kit/native-context-spy.js";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "4" },
    levels: { type: "string", default: "1,4" },
    tokens: { type: "string", default: "128" },
    passes: { type: "string", default: "3" },
  },
});
const config = loadConfig("cli");
const system = renderSystemPrompt((await loadPersonaTemplate("support-bakery")).persona);
const choice = await chooseModel(config);
const models = {
  steps: await LlamaChatModel.load({ ...config.model, modelPath: choice.path, sequences: 8, contextSize: 2048 }),
};
type Timing = { decodeMs: number; decodes: number; batchTokens: number; sampleMs: number; samples: number; samplePhaseMs: number };
const zero = (): Timing => ({ decodeMs: 0, decodes: 0, batchTokens: 0, sampleMs: 0, samples: 0, samplePhaseMs: 0 });
let timing = zero();
let samplingSince: number | undefined;
let samplingOpen = 0;
for (const model of Object.values(models)) {
  spyOnNativeContexts(model, (name, fn) => {
    if (name === "initBatch") return (size) => ((timing.batchTokens += size as number), fn(size));
    if (name === "decodeBatch")
      return async () => {
        const t = performance.now();
        try {
          return await fn();
        } finally {
          timing.decodeMs += performance.now() - t;
          timing.decodes++;
        }
      };
    if (name === "sampleToken")
      return async (...a: unknown[]) => {
        const t = performance.now();
        if (samplingOpen++ === 0) samplingSince = t;
        try {
          return await fn(...a);
        } finally {
          const end = performance.now();
          timing.sampleMs += end - t;
          timing.samples++;
          if (--samplingOpen === 0) timing.samplePhaseMs += end - (samplingSince ?? end);
        }
      };
    return fn;
  });
}
const maxTokens = Number(values.tokens);
const levels = values.levels.split(",").map(Number);
const key = (i: number) => `probe-${i}`;
const prompt = (n: number) => ({ system, turns: [{ role: "user" as const, text: bakeryMessage(n) }] });
for (const model of Object.values(models))
  await Promise.all(Array.from({ length: 8 }, (_, i) => model.generate(prompt(i), { maxTokens: 4, conversationKey: key(i) })));
process.stdout.write(
  `${models.steps.description}; UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? "4 (default)"}; ${maxTokens} tokens per reply\n`,
);
const totals = new Map<string, Timing & { tokens: number; wallMs: number; cpuUs: number }>();
for (let pass = 0; pass < Number(values.passes); pass++) {
  for (const c of levels) {
    for (const [name, model] of Object.entries(models)) {
      timing = zero();
      let tokens = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let r = 0; r < Number(values.rounds); r++) {
        const gens = await Promise.all(
          Array.from({ length: c }, (_, i) => model.generate(prompt(100 + (pass * 8 + r) * 8 + i), { maxTokens, conversationKey: key(i) })),
        );
        tokens += gens.reduce((n, g) => n + g.generatedTokens, 0);
      }
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      if (pass === 0) continue; // warm-up pass
      const id = `${c}|${name}`;
      const t = totals.get(id) ?? { ...zero(), tokens: 0, wallMs: 0, cpuUs: 0 };
      for (const k of Object.keys(timing) as Array<keyof Timing>) t[k] += timing[k];
      t.tokens += tokens;
      t.wallMs += wallMs;
      t.cpuUs += cpu.user + cpu.system;
      totals.set(id, t);
    }
  }
}
process.stdout.write(
  "concurrent  tokens/s  tokens  decodes  tokens/decode  ms/decode  ms/sample  sampling phase ms/step  other ms/step  cpu ms/token\n",
);
for (const [id, t] of totals) {
  const [c] = id.split("|");
  const steps = Math.max(1, t.decodes);
  process.stdout.write(
    `${[
      String(c).padEnd(10),
      ((t.tokens / t.wallMs) * 1000).toFixed(0).padStart(8),
      String(t.tokens).padStart(6),
      String(t.decodes).padStart(7),
      (t.batchTokens / steps).toFixed(2).padStart(13),
      (t.decodeMs / steps).toFixed(3).padStart(9),
      (t.sampleMs / Math.max(1, t.samples)).toFixed(3).padStart(9),
      (t.samplePhaseMs / steps).toFixed(3).padStart(22),
      ((t.wallMs - t.decodeMs - t.samplePhaseMs) / steps).toFixed(3).padStart(13),
      (t.cpuUs / 1000 / t.tokens).toFixed(3).padStart(12),
    ].join("  ")}\n`,
  );
}
for (const model of Object.values(models)) await model.close();
