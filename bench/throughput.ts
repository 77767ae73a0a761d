import { performance } from "node:perf_hooks";
import type { Config } from "../src/config/index.js";
import type { ChatModel } from "../src/ports/chat-model.js";
import { bakeryMessage } from "./support/bakery-script.js";
import { loadBenchModel, type ModelChoice } from "./support/bench-model.js";
import type { Deadline } from "./support/deadline.js";
import { round, sum } from "./support/stats.js";

export const THROUGHPUT_SEQUENCES = 8;
export const CONCURRENCY_LEVELS = [1, 2, 4, 8] as const;

export interface LevelResult {
  readonly concurrent: number;
  readonly rounds: number;
  readonly generatedTokens: number;
  readonly wallMs: number;
  readonly tokensPerSec: number;
  /** Generations that stopped at EOS before maxTokens (the tiny model does, at random). */
  readonly stoppedEarly: number;
  readonly speedupVsOne: number;
}

export interface ThroughputResult {
  readonly maxTokens: number;
  readonly contextSize: number;
  readonly levels: LevelResult[];
  readonly truncated: boolean;
}

/**
 * Section 3. One LlamaChatModel with 8 sequences; for each level, that many generate() calls run
 * at once (distinct conversation keys, same persona, fixed maxTokens). Rounds of the levels are
 * interleaved (1, 2, 4, 8, 1, 2, ...) until each level has run for at least `minSeconds`, so a
 * burst of other work on the machine spreads over all levels. Figure: sum of
 * Generation.generatedTokens / wall time. Every sequence first answers a short warm-up turn, so
 * the persona is already in its KV cache and the measured time is mostly generation.
 */
export async function runThroughput(
  config: Config,
  choice: ModelChoice,
  options: { readonly system: string; readonly maxTokens: number; readonly minSeconds: number; readonly maxRounds: number; readonly deadline: Deadline },
): Promise<ThroughputResult> {
  // Prompts here stay under ~700 tokens; a smaller per-sequence context keeps 8 sequences' KV cache small on a real model.
  const contextSize = Math.min(config.model.contextSize, 2048);
  const model = await loadBenchModel(config, choice, { sequences: THROUGHPUT_SEQUENCES, contextSize });
  try {
    await Promise.all(
      Array.from({ length: THROUGHPUT_SEQUENCES }, (_, i) => model.generate(prompt(options.system, i), { maxTokens: 4, conversationKey: key(i) })),
    );
    const totals = CONCURRENCY_LEVELS.map((concurrent) => ({ concurrent, tokens: 0, wallMs: 0, stoppedEarly: 0, rounds: 0 }));
    let truncated = false;
    for (let pass = 0; pass < options.maxRounds; pass++) {
      const pending = totals.filter((t) => t.wallMs < options.minSeconds * 1000);
      if (pending.length === 0) break;
      for (const total of pending) {
        if (options.deadline.passed()) {
          truncated = true;
          break;
        }
        const run = await concurrentRound(model, options.system, total.concurrent, pass, options.maxTokens);
        total.tokens += run.tokens;
        total.wallMs += run.wallMs;
        total.stoppedEarly += run.stoppedEarly;
        total.rounds++;
      }
      if (truncated) break;
    }
    const levels: LevelResult[] = [];
    for (const t of totals.filter((x) => x.rounds > 0)) {
      const tokensPerSec = round(t.tokens / (t.wallMs / 1000), 1);
      const base = levels[0]?.tokensPerSec ?? tokensPerSec;
      levels.push({
        concurrent: t.concurrent,
        rounds: t.rounds,
        generatedTokens: t.tokens,
        wallMs: round(t.wallMs, 1),
        tokensPerSec,
        stoppedEarly: t.stoppedEarly,
        speedupVsOne: round(tokensPerSec / base, 2),
      });
    }
    return { maxTokens: options.maxTokens, contextSize: model.contextSize, levels, truncated };
  } finally {
    await model.close();
  }
}

async function concurrentRound(model: ChatModel, system: string, concurrent: number, roundNo: number, maxTokens: number) {
  const started = performance.now();
  const generations = await Promise.all(
    Array.from({ length: concurrent }, (_, i) => model.generate(prompt(system, roundNo * THROUGHPUT_SEQUENCES + i), { maxTokens, conversationKey: key(i) })),
  );
  const wallMs = performance.now() - started;
  return {
    tokens: sum(generations.map((g) => g.generatedTokens)),
    wallMs,
    stoppedEarly: generations.filter((g) => g.stopReason !== "maxTokens").length,
  };
}

const key = (i: number) => `bench-throughput-${i}`;
const prompt = (system: string, n: number) => ({ system, turns: [{ role: "user" as const, text: bakeryMessage(n) }] });
