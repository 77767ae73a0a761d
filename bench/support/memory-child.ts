/**
 * Section 6, run as its own process (bench/memory.ts starts it) so that RSS is the worker's model
 * alone, not the bench's other sections. Prints one JSON line: RSS samples over N short conversations.
 */
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { loadConfig } from "../../src/config/index.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { renderSystemPrompt } from "../../src/domain/personas/render-persona.js";
import { bakeryMessage } from "./bakery-script.js";
import { chooseModel, loadBenchModel } from "./bench-model.js";

export interface MemorySample {
  readonly conversations: number;
  readonly rssMb: number;
  readonly heapUsedMb: number;
  readonly externalMb: number;
  readonly elapsedMs: number;
}

const { values } = parseArgs({ options: { conversations: { type: "string" }, minutes: { type: "string" }, "max-tokens": { type: "string" } } });
const total = Number(values.conversations ?? 10_000);
const deadline = Date.now() + Number(values.minutes ?? 20) * 60_000;
const maxTokens = Number(values["max-tokens"] ?? 4);
const config = loadConfig("cli");
const persona = await loadPersonaTemplate("support-bakery");
const systemPrompt = renderSystemPrompt(persona.persona);
const model = await loadBenchModel(config, await chooseModel(config), { sequences: config.model.sequences });
const every = Math.min(1000, Math.max(1, Math.ceil(total / 10)));
const started = performance.now();
const samples: MemorySample[] = [];
const sample = (conversations: number) => {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  samples.push({
    conversations,
    rssMb: mb(m.rss),
    heapUsedMb: mb(m.heapUsed),
    externalMb: mb(m.external),
    elapsedMs: Math.round(performance.now() - started),
  });
};
sample(0);
let next = 0;
let done = 0;
let generatedTokens = 0;
let truncated = false;
const loop = async () => {
  while (next < total) {
    if (Date.now() > deadline) {
      truncated = true;
      return;
    }
    const i = next++;
    const generation = await model.generate(
      { system: systemPrompt, turns: [{ role: "user", text: `${bakeryMessage(i)} (customer ${i})` }] },
      { maxTokens, conversationKey: `bench-memory-${i}` },
    );
    generatedTokens += generation.generatedTokens;
    if (++done % every === 0) sample(done);
  }
};
await Promise.all(Array.from({ length: config.model.sequences }, loop));
if (done % every !== 0) sample(done);
await model.close();
process.stdout.write(
  `${JSON.stringify({ conversations: done, sequences: config.model.sequences, maxTokens, generatedTokens, every, samples, truncated })}\n`,
);
