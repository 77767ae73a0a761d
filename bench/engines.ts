import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { Config } from "../src/config/index.js";
import type { ChatModel } from "../src/ports/chat-model.js";
import type { HistoryMessage } from "../src/ports/turn-store.js";
import { buildPrompt } from "../src/app/turn/build-prompt.js";
import { EMPTY_REPLY_FALLBACK } from "../src/app/turn/handle-turn.js";
import { message, turnContext } from "./evaluated-tokens.js";
import { bakeryMessage } from "./support/bakery-script.js";
import type { ModelChoice } from "./support/bench-model.js";
import type { Deadline } from "./support/deadline.js";
import { ENGINE_NAMES, startEngines, type EngineName, type EngineUnderTest } from "./support/engines-under-test.js";
import { mean, percentile, round, sum } from "./support/stats.js";

export const ENGINE_LEVELS = [1, 2, 4] as const;
const SLOTS = 4;
/** In a conversation, each engine keeps its own slot of the one llama-server (ours embedded: its own model). */
const CONVERSATION_SLOT: Record<EngineName, number> = { embedded: 0, openai: 0, peerText: 1, peerTokens: 2 };
/** The peer by token ids answers conversations only: in throughput it would only repeat the peer by text. */
const THROUGHPUT_ENGINES = ["embedded", "openai", "peerText"] as const satisfies readonly EngineName[];

export interface EngineConversation {
  readonly turnsRun: number;
  readonly promptTokens: number[];
  readonly evaluatedTokens: number[];
  readonly generatedTokens: number[];
  readonly ttftMs: Array<number | null>;
  readonly evaluatedTotal: number;
  readonly promptTotal: number;
  /** Mean prompt tokens evaluated per turn from turn 2 on (turn 1 is the whole prompt for every engine). */
  readonly evaluatedPerTurnAfterFirst: number;
  /** Of turns 2.., the share of the prompt evaluated again (the rest came from the engine's cache). */
  readonly evaluatedShareAfterFirst: number;
  readonly ttftP50AfterFirstMs: number;
}

export interface EngineLevel {
  readonly concurrent: number;
  readonly rounds: number;
  readonly generatedTokens: number;
  readonly wallMs: number;
  readonly tokensPerSec: number;
  readonly stoppedEarly: number;
}

export interface EnginesResult {
  readonly model: string;
  readonly contextSize: number;
  readonly slots: number;
  readonly threads: number;
  readonly serverCommand: string;
  readonly conversations: Record<string, { readonly loadavg: LoadAvg; readonly engines: Record<EngineName, EngineConversation> }>;
  readonly throughput: { readonly maxTokens: number; readonly loadavg: LoadAvg; readonly engines: Record<string, EngineLevel[]> };
  readonly truncated: boolean;
}

export interface LoadAvg {
  readonly start: string;
  readonly end: string;
}

/**
 * Section 9. The same bakery conversation (10 and 60 turns, prompts from the worker's buildPrompt)
 * through ours embedded, ours over the OpenAI API on llama-server, and llama-server driven directly
 * (/completion with the rendered prompt, as text and as token ids, `cache_prompt`, a fixed slot),
 * turn by turn interleaved; then generated tokens/s at 1, 2 and 4 concurrent conversations, rounds
 * interleaved over levels and engines. Each engine's own replies go back into its own history, as
 * the worker stores them, so each engine's cache meets the prompt it would meet in production.
 */
export async function runEngines(
  config: Config,
  choice: ModelChoice,
  options: {
    readonly system: string;
    readonly replyMaxTokens: number;
    readonly maxTokens: number;
    readonly minSeconds: number;
    readonly maxRounds: number;
    readonly randomWeights: boolean;
    readonly deadline: Deadline;
  },
): Promise<EnginesResult> {
  const contextSize = config.model.contextSize;
  const set = await startEngines(config, choice, { slots: SLOTS, contextSize, randomWeights: options.randomWeights });
  let truncated = false;
  try {
    const conversations: EnginesResult["conversations"] = {};
    for (const turns of [10, 60]) {
      const start = loadavg();
      const r = await conversation(set.engines, set.counter, { ...options, turns, chunkTokens: config.model.historyChunkTokens });
      truncated ||= r.truncated;
      conversations[String(turns)] = { loadavg: { start, end: loadavg() }, engines: r.engines };
    }
    const start = loadavg();
    const levels = await throughput(set.engines, options);
    truncated ||= levels.truncated;
    return {
      model: choice.path,
      contextSize,
      slots: SLOTS,
      threads: config.model.threads,
      serverCommand: set.serverCommand,
      conversations,
      throughput: { maxTokens: options.maxTokens, loadavg: { start, end: loadavg() }, engines: levels.engines },
      truncated,
    };
  } finally {
    await set.close();
  }
}

async function conversation(
  engines: Record<EngineName, EngineUnderTest>,
  counter: ChatModel,
  options: {
    readonly system: string;
    readonly turns: number;
    readonly replyMaxTokens: number;
    readonly chunkTokens: number;
    readonly deadline: Deadline;
  },
) {
  const state = Object.fromEntries(
    ENGINE_NAMES.map((name) => [
      name,
      {
        history: [] as HistoryMessage[],
        seq: 0n,
        startSeq: 0n,
        prompt: [] as number[],
        evaluated: [] as number[],
        generated: [] as number[],
        ttft: [] as Array<number | null>,
      },
    ]),
  ) as Record<
    EngineName,
    {
      history: HistoryMessage[];
      seq: bigint;
      startSeq: bigint;
      prompt: number[];
      evaluated: number[];
      generated: number[];
      ttft: Array<number | null>;
    }
  >;
  let turn = 0;
  for (; turn < options.turns && !options.deadline.passed(); turn++) {
    // A different engine goes first each turn, so a burst of other work on the machine is shared out.
    const order = ENGINE_NAMES.map((_, i) => ENGINE_NAMES[(i + turn) % ENGINE_NAMES.length]!);
    for (const name of order) {
      const s = state[name];
      const inbound = message(++s.seq, "inbound", bakeryMessage(turn), "received");
      s.history.push(inbound);
      const built = await buildPrompt(
        turnContext(
          options.system,
          s.history.filter((m) => m.seq >= s.startSeq),
          inbound.id,
        ),
        counter,
        {
          replyMaxTokens: options.replyMaxTokens,
          chunkTokens: options.chunkTokens,
        },
      );
      s.startSeq = built.historyStartSeq > s.startSeq ? built.historyStartSeq : s.startSeq;
      const r = await engines[name].turn(built.prompt, { slot: CONVERSATION_SLOT[name], maxTokens: options.replyMaxTokens, fresh: turn === 0 });
      const reply = message(++s.seq, "outbound", r.text.trim() || EMPTY_REPLY_FALLBACK, "sent");
      inbound.status = "answered";
      inbound.replyId = reply.id;
      s.history.push(reply);
      s.prompt.push(r.promptTokens);
      s.evaluated.push(r.evaluatedTokens);
      s.generated.push(r.generatedTokens);
      s.ttft.push(r.ttftMs === null ? null : round(r.ttftMs, 2));
    }
  }
  const summary = (name: EngineName): EngineConversation => {
    const s = state[name];
    const ttftLater = s.ttft.slice(1).filter((t): t is number => t !== null);
    return {
      turnsRun: s.evaluated.length,
      promptTokens: s.prompt,
      evaluatedTokens: s.evaluated,
      generatedTokens: s.generated,
      ttftMs: s.ttft,
      evaluatedTotal: sum(s.evaluated),
      promptTotal: sum(s.prompt),
      evaluatedPerTurnAfterFirst: round(mean(s.evaluated.slice(1)), 1),
      evaluatedShareAfterFirst: round(sum(s.evaluated.slice(1)) / sum(s.prompt.slice(1)), 3),
      ttftP50AfterFirstMs: round(percentile(ttftLater, 50), 2),
    };
  };
  return {
    truncated: turn < options.turns,
    engines: Object.fromEntries(ENGINE_NAMES.map((n) => [n, summary(n)])) as Record<EngineName, EngineConversation>,
  };
}

async function throughput(
  engines: Record<EngineName, EngineUnderTest>,
  options: {
    readonly system: string;
    readonly maxTokens: number;
    readonly minSeconds: number;
    readonly maxRounds: number;
    readonly deadline: Deadline;
  },
) {
  const prompt = (n: number) => ({ system: options.system, turns: [{ role: "user" as const, text: bakeryMessage(n) }] });
  // Warm-up: the persona is in every slot's cache before anything is timed, as in section 3.
  for (const name of THROUGHPUT_ENGINES)
    for (let slot = 0; slot < SLOTS; slot++) await engines[name].turn(prompt(slot), { slot, maxTokens: 4, fresh: false });
  const totals = THROUGHPUT_ENGINES.flatMap((name) => ENGINE_LEVELS.map((n) => ({ name, n, tokens: 0, wallMs: 0, rounds: 0, stoppedEarly: 0 })));
  let truncated = false;
  for (let pass = 0; pass < options.maxRounds && !truncated; pass++) {
    const pending = totals.filter((t) => t.wallMs < options.minSeconds * 1000);
    if (pending.length === 0) break;
    for (const t of pending) {
      if (options.deadline.passed()) {
        truncated = true;
        break;
      }
      const started = performance.now();
      const results = await Promise.all(
        Array.from({ length: t.n }, (_, slot) =>
          engines[t.name].turn(prompt(pass * SLOTS + slot), { slot, maxTokens: options.maxTokens, fresh: false }),
        ),
      );
      t.wallMs += performance.now() - started;
      t.tokens += sum(results.map((r) => r.generatedTokens));
      t.stoppedEarly += results.filter((r) => r.stoppedEarly).length;
      t.rounds++;
    }
  }
  const engineLevels = Object.fromEntries(
    THROUGHPUT_ENGINES.map((name) => [
      name,
      totals
        .filter((t) => t.name === name && t.rounds > 0)
        .map(
          (t): EngineLevel => ({
            concurrent: t.n,
            rounds: t.rounds,
            generatedTokens: t.tokens,
            wallMs: round(t.wallMs, 1),
            tokensPerSec: round(t.tokens / (t.wallMs / 1000), 1),
            stoppedEarly: t.stoppedEarly,
          }),
        ),
    ]),
  );
  return { truncated, engines: engineLevels };
}

/** The 1, 5 and 15 minute load averages and running/total tasks, as /proc/loadavg has them. */
export function loadavg(): string {
  return readFileSync("/proc/loadavg", "utf8").trim();
}
