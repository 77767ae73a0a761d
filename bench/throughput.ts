import { performance } from "node:perf_hooks";
import type { Config } from "../src/config/index.js";
import type { ChatModel } from "../src/ports/chat-model.js";
import { bakeryMessage } from "./support/bakery-script.js";
import { loadBenchModel, type ModelChoice } from "./support/bench-model.js";
import { measureDecodeOnly, type DecodeOnlyLevel } from "./support/decode-only.js";
import type { Deadline } from "./support/deadline.js";
import type { Peer } from "./support/peer-server.js";
import { settle } from "./support/settle.js";
import { round, sum } from "./support/stats.js";

export const THROUGHPUT_SEQUENCES = 8;
export const CONCURRENCY_LEVELS = [1, 2, 4, 8] as const;
/** 4 conversations whose sequences are not neighbours: llama.cpp computes each run of consecutive ids in its own pass. */
export const SCATTERED_SLOTS = [0, 2, 4, 6] as const;

export interface LevelResult {
  readonly concurrent: number;
  /** The sequences the conversations sit on. */
  readonly slots: readonly number[];
  readonly rounds: number;
  readonly generatedTokens: number;
  readonly wallMs: number;
  readonly tokensPerSec: number;
  /** Generations that stopped at EOS before maxTokens (the tiny model does, at random). */
  readonly stoppedEarly: number;
  readonly speedupVsOne: number;
  /** Each round's tokens/s, in the order the rounds ran (ours' round i and llama-server's round i ran one after the other). */
  readonly roundTokensPerSec: number[];
}

export interface ThroughputResult {
  readonly maxTokens: number;
  readonly contextSize: number;
  /** Conversations on sequences 0..n-1 (neighbours). */
  readonly levels: LevelResult[];
  /** 4 conversations on sequences 0, 2, 4, 6. */
  readonly scattered: LevelResult | undefined;
  /** The engine alone: one decode per step of one token per sequence, no sampling (support/decode-only.ts). */
  readonly decodeOnly: DecodeOnlyLevel[];
  /** llama-server on the same GGUF and threads, 8 slots, its rounds interleaved with ours (slot i = sequence i). */
  readonly llamaServer?: { readonly settings: string; readonly levels: LevelResult[] };
  /** Waited, untimed, before the rounds for both processes to go quiet (settle.ts). */
  readonly settledMs: number;
  readonly truncated: boolean;
}

/**
 * Section 3. One LlamaChatModel with 8 sequences; for each level, that many generate() calls run
 * at once (distinct conversation keys, same persona, fixed maxTokens), on sequences 0..n-1, and
 * once more for 4 conversations on sequences 0, 2, 4, 6. Rounds of the levels are interleaved
 * (1, 2, 4, 8, scattered, 1, 2, ...) until each level has run for at least `minSeconds`, so a
 * burst of other work on the machine spreads over all levels. Figure: sum of
 * Generation.generatedTokens / wall time. Before each round, untimed, both processes are let go
 * quiet (settle.ts: ggml's workers poll ~100 ms after an engine's last decode, and a round timed in
 * that tail shares the CPU with it). Every sequence first answers a short warm-up turn, so
 * the persona is already in its KV cache and the measured time is mostly generation. With a
 * peer, llama-server answers the same levels (1, 2, 4, 8 conversations on slots 0..n-1, the same
 * prompts, warmed up the same way), its rounds interleaved with ours. Then the same levels are
 * measured on the engine alone (decode only), for the ceiling.
 */
export async function runThroughput(
  config: Config,
  choice: ModelChoice,
  options: {
    readonly system: string;
    readonly maxTokens: number;
    readonly minSeconds: number;
    readonly maxRounds: number;
    readonly deadline: Deadline;
    readonly peer?: Peer | undefined;
  },
): Promise<ThroughputResult> {
  // Prompts here stay under ~700 tokens; a smaller per-sequence context keeps 8 sequences' KV cache small on a real model.
  const contextSize = Math.min(config.model.contextSize, 2048);
  const model = await loadBenchModel(config, choice, { sequences: THROUGHPUT_SEQUENCES, contextSize });
  const total = (slots: readonly number[], peer = false) => ({
    slots,
    peer,
    tokens: 0,
    wallMs: 0,
    stoppedEarly: 0,
    rounds: 0,
    perRound: [] as number[],
  });
  const levelTotals = CONCURRENCY_LEVELS.map((n) => total(Array.from({ length: n }, (_, i) => i)));
  const peerTotals = options.peer
    ? CONCURRENCY_LEVELS.map((n) =>
        total(
          Array.from({ length: n }, (_, i) => i),
          true,
        ),
      )
    : [];
  // With several contexts the warm-up deals the keys out over them, so "scattered" would not be.
  const scatteredTotal = config.model.contexts === 1 ? total(SCATTERED_SLOTS) : undefined;
  // Ours and llama-server alternate level by level, so a burst of other work on the machine meets both.
  const totals = [...levelTotals.flatMap((t, i) => (peerTotals[i] ? [t, peerTotals[i]] : [t])), ...(scatteredTotal ? [scatteredTotal] : [])];
  let truncated = false;
  let settledMs = 0;
  let systemText: string;
  try {
    systemText = await model.renderPrompt({ system: options.system, turns: [{ role: "user", text: bakeryMessage(0) }] });
    // With one context, key i lands on sequence i: the warm-up's calls pick their sequences in call order while all are empty.
    await Promise.all(
      Array.from({ length: THROUGHPUT_SEQUENCES }, (_, i) => model.generate(prompt(options.system, i), { maxTokens: 4, conversationKey: key(i) })),
    );
    const peer = options.peer;
    if (peer)
      await Promise.all(Array.from({ length: THROUGHPUT_SEQUENCES }, (_, i) => peer.turn(prompt(options.system, i), { slot: i, maxTokens: 4 })));
    for (let pass = 0; pass < options.maxRounds && !truncated; pass++) {
      const pending = totals.filter((t) => t.wallMs < options.minSeconds * 1000);
      if (pending.length === 0) break;
      for (const total of pending) {
        if (options.deadline.passed()) {
          truncated = true;
          break;
        }
        // Untimed: the previous round's engine (either one) stops polling for work first (settle.ts).
        settledMs += await settle([process.pid, peer?.pid]);
        const run =
          total.peer && peer
            ? await peerRound(peer, options.system, total.slots, pass, options.maxTokens)
            : await concurrentRound(model, options.system, total.slots, pass, options.maxTokens);
        total.tokens += run.tokens;
        total.perRound.push(round(run.tokens / (run.wallMs / 1000), 1));
        total.wallMs += run.wallMs;
        total.stoppedEarly += run.stoppedEarly;
        total.rounds++;
      }
    }
  } finally {
    await model.close();
  }
  const perSec = (t: ReturnType<typeof total>) => t.tokens / (t.wallMs / 1000);
  const baseOf = (t: ReturnType<typeof total> | undefined) => (t && t.rounds > 0 ? perSec(t) : Number.NaN);
  const result = (t: ReturnType<typeof total>): LevelResult => ({
    concurrent: t.slots.length,
    slots: t.slots,
    rounds: t.rounds,
    generatedTokens: t.tokens,
    wallMs: round(t.wallMs, 1),
    tokensPerSec: round(perSec(t), 1),
    stoppedEarly: t.stoppedEarly,
    speedupVsOne: round(perSec(t) / baseOf(t.peer ? peerTotals[0] : levelTotals[0]), 2),
    roundTokensPerSec: t.perRound,
  });
  const decodeOnly = truncated
    ? []
    : await measureDecodeOnly(choice.path, {
        threads: config.model.threads,
        promptText: systemText,
        levels: CONCURRENCY_LEVELS,
        steps: options.maxTokens,
        passes: 3,
      });
  return {
    maxTokens: options.maxTokens,
    contextSize,
    levels: levelTotals.filter((t) => t.rounds > 0).map(result),
    scattered: scatteredTotal && scatteredTotal.rounds > 0 ? result(scatteredTotal) : undefined,
    decodeOnly,
    ...(options.peer ? { llamaServer: { settings: options.peer.settings, levels: peerTotals.filter((t) => t.rounds > 0).map(result) } } : {}),
    settledMs: Math.round(settledMs),
    truncated,
  };
}

/** The same round on llama-server: slot i answers what sequence i answers for ours. */
async function peerRound(peer: Peer, system: string, slots: readonly number[], roundNo: number, maxTokens: number) {
  const started = performance.now();
  const turns = await Promise.all(slots.map((i) => peer.turn(prompt(system, roundNo * THROUGHPUT_SEQUENCES + i), { slot: i, maxTokens })));
  const wallMs = performance.now() - started;
  return { tokens: sum(turns.map((t) => t.generatedTokens)), wallMs, stoppedEarly: turns.filter((t) => t.stoppedEarly).length };
}

/** One generate() per slot at once; conversation key(i) sits on sequence i since the warm-up (one context). */
async function concurrentRound(model: ChatModel, system: string, slots: readonly number[], roundNo: number, maxTokens: number) {
  const started = performance.now();
  const generations = await Promise.all(
    slots.map((i) => model.generate(prompt(system, roundNo * THROUGHPUT_SEQUENCES + i), { maxTokens, conversationKey: key(i) })),
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
