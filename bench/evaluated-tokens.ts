import { readBusinessSettings } from "../src/domain/business-settings.js";
import { performance } from "node:perf_hooks";
import type { ChatPrompt } from "../src/domain/chat-prompt.js";
import type { ChatModel, GenerateOptions, Generation } from "../src/ports/chat-model.js";
import type { HistoryMessage } from "../src/ports/turn-store.js";
import { buildPrompt, type PromptContext } from "../src/app/turn/build-prompt.js";
import { EMPTY_REPLY_FALLBACK } from "../src/app/turn/handle-turn.js";
import { bakeryMessage } from "./support/bakery-script.js";
import type { Deadline } from "./support/deadline.js";
import type { Peer } from "./support/peer-server.js";
import { mean, percentile, round, sum } from "./support/stats.js";

export interface ConversationOptions {
  readonly system: string;
  readonly turns: number;
  readonly replyMaxTokens: number;
  readonly chunkTokens: number;
  readonly deadline: Deadline;
  /** llama-server, answering the same conversation in its own slot 0, with its own replies in its history. */
  readonly peer?: Peer | undefined;
}

/** llama-server's side of the conversation: the same customer messages, its own replies, prompts by the same buildPrompt. */
export interface PeerConversation {
  readonly promptTokens: number[];
  readonly evaluated: number[];
  readonly evaluatedTotal: number;
  readonly trimmedAt: number[];
  readonly ttftMs: Array<number | null>;
}

export interface ConversationResult {
  readonly turnsPlanned: number;
  readonly turnsRun: number;
  readonly promptTokens: number[];
  readonly ours: number[];
  readonly naive: number[];
  /** Per turn: cached tokens ours moved into place after a trim instead of evaluating them (not in `ours`). */
  readonly shifted: number[];
  readonly oursTotal: number;
  readonly naiveTotal: number;
  /** naiveTotal / oursTotal. */
  readonly ratio: number;
  /** Turns (0-based) at which the history start moved forward (a trim). */
  readonly trimmedAt: number[];
  /** Per turn; null when the reply had no text at all. */
  readonly ttftMs: { readonly ours: Array<number | null>; readonly naive: Array<number | null> };
  readonly generatedTokens: { readonly ours: number[]; readonly naive: number[] };
  /**
   * Tokens of each stored reply when tokenized again. When it differs from the tokens generated, the
   * KV cache holds a different token sequence than the next prompt, and reuse stops inside the reply.
   */
  readonly replyTokensRetokenized: number[];
  readonly peer?: PeerConversation;
}

interface Timed {
  readonly generation: Generation;
  readonly ttftMs: number | null;
}

/**
 * Sections 1 and 2. One conversation, each turn answered twice on the same prompt: OURS (the
 * conversation's own sequence, so only the new tokens are evaluated) and NAIVE (fresh: the
 * sequence is cleared first and the whole prompt re-read every turn: the stateless worst case,
 * which no current engine does). The prompt is built by the worker's own buildPrompt (trimHistory
 * with the model's counters and historyStartSeq semantics); our reply text goes back into the
 * history as the worker stores it. With a peer, llama-server answers the same customer messages
 * in the same turn, with its own replies in its own history (so its slot cache meets the prompt
 * it would meet in production), prompts by the same buildPrompt.
 */
export async function runConversation(model: ChatModel, label: string, options: ConversationOptions): Promise<ConversationResult> {
  const history: HistoryMessage[] = [];
  let seq = 0n;
  let historyStartSeq = 0n;
  const r = { promptTokens: [] as number[], ours: [] as number[], naive: [] as number[], shifted: [] as number[], trimmedAt: [] as number[] };
  const ttft = { ours: [] as Array<number | null>, naive: [] as Array<number | null> };
  const generated = { ours: [] as number[], naive: [] as number[] };
  const retokenized: number[] = [];
  const emptyReply = await model.countTurnTokens({ role: "assistant", text: "" });
  const peer = options.peer
    ? {
        history: [] as HistoryMessage[],
        seq: 0n,
        startSeq: 0n,
        promptTokens: [] as number[],
        evaluated: [] as number[],
        trimmedAt: [] as number[],
        ttft: [] as Array<number | null>,
      }
    : undefined;
  for (let turn = 0; turn < options.turns && !options.deadline.passed(); turn++) {
    const inbound = message(++seq, "inbound", bakeryMessage(turn), "received");
    history.push(inbound);
    const built = await buildPrompt(
      turnContext(
        options.system,
        history.filter((m) => m.seq >= historyStartSeq),
        inbound.id,
      ),
      model,
      {
        replyMaxTokens: options.replyMaxTokens,
        chunkTokens: options.chunkTokens,
      },
    );
    if (built.historyStartSeq > historyStartSeq) {
      if (turn > 0) r.trimmedAt.push(turn);
      historyStartSeq = built.historyStartSeq;
    }
    // Each conversation starts on a cleared sequence, so turn 0 costs the same both ways.
    const ours = await timedGenerate(model, built.prompt, {
      maxTokens: options.replyMaxTokens,
      conversationKey: `bench-ours-${label}`,
      fresh: turn === 0,
    });
    const naive = await timedGenerate(model, built.prompt, {
      maxTokens: options.replyMaxTokens,
      conversationKey: `bench-naive-${label}`,
      fresh: true,
    });
    const reply = message(++seq, "outbound", ours.generation.text.trim() || EMPTY_REPLY_FALLBACK, "sent");
    inbound.status = "answered";
    inbound.replyId = reply.id;
    history.push(reply);
    retokenized.push((await model.countTurnTokens({ role: "assistant", text: reply.text })) - emptyReply);
    if (peer && options.peer) {
      const asked = message(++peer.seq, "inbound", bakeryMessage(turn), "received");
      peer.history.push(asked);
      const p = await buildPrompt(
        turnContext(
          options.system,
          peer.history.filter((m) => m.seq >= peer.startSeq),
          asked.id,
        ),
        model,
        {
          replyMaxTokens: options.replyMaxTokens,
          chunkTokens: options.chunkTokens,
        },
      );
      if (p.historyStartSeq > peer.startSeq) {
        if (turn > 0) peer.trimmedAt.push(turn);
        peer.startSeq = p.historyStartSeq;
      }
      // Turn 1 on a slot that still holds the previous conversation: the whole prompt, as for ours.
      const t = await options.peer.turn(p.prompt, { slot: 0, maxTokens: options.replyMaxTokens, cachePrompt: turn > 0 });
      const answer = message(++peer.seq, "outbound", t.text.trim() || EMPTY_REPLY_FALLBACK, "sent");
      asked.status = "answered";
      asked.replyId = answer.id;
      peer.history.push(answer);
      peer.promptTokens.push(t.promptTokens);
      peer.evaluated.push(t.evaluatedTokens);
      peer.ttft.push(t.ttftMs === null ? null : round(t.ttftMs, 3));
    }
    r.promptTokens.push(built.promptTokens);
    r.ours.push(ours.generation.evaluatedTokens);
    r.naive.push(naive.generation.evaluatedTokens);
    r.shifted.push(ours.generation.shiftedTokens ?? 0);
    ttft.ours.push(ours.ttftMs === null ? null : round(ours.ttftMs, 3));
    ttft.naive.push(naive.ttftMs === null ? null : round(naive.ttftMs, 3));
    generated.ours.push(ours.generation.generatedTokens);
    generated.naive.push(naive.generation.generatedTokens);
  }
  const oursTotal = sum(r.ours);
  const naiveTotal = sum(r.naive);
  return {
    turnsPlanned: options.turns,
    turnsRun: r.ours.length,
    ...r,
    oursTotal,
    naiveTotal,
    ratio: round(naiveTotal / oursTotal, 2),
    ttftMs: ttft,
    generatedTokens: generated,
    replyTokensRetokenized: retokenized,
    ...(peer
      ? {
          peer: {
            promptTokens: peer.promptTokens,
            evaluated: peer.evaluated,
            evaluatedTotal: sum(peer.evaluated),
            trimmedAt: peer.trimmedAt,
            ttftMs: peer.ttft,
          },
        }
      : {}),
  };
}

/** TTFT p50 and mean over all turns, and p50 over turns 2.. (turn 1 reads the whole prompt everywhere). */
export function ttftSummary(result: ConversationResult) {
  const s = (xs: Array<number | null>) => {
    const known = xs.filter((x): x is number => x !== null);
    const later = xs.slice(1).filter((x): x is number => x !== null);
    return { p50: round(percentile(known, 50), 2), mean: round(mean(known), 2), p50AfterFirst: round(percentile(later, 50), 2) };
  };
  return { ours: s(result.ttftMs.ours), naive: s(result.ttftMs.naive), ...(result.peer ? { llamaServer: s(result.peer.ttftMs) } : {}) };
}

async function timedGenerate(model: ChatModel, prompt: ChatPrompt, options: GenerateOptions): Promise<Timed> {
  let first: number | null = null;
  const started = performance.now();
  const generation = await model.generate(prompt, {
    ...options,
    onTextChunk: () => {
      first ??= performance.now() - started;
    },
  });
  return { generation, ttftMs: first };
}

export type MutableHistoryMessage = { -readonly [K in keyof HistoryMessage]: HistoryMessage[K] };

/** A stored message as TurnRepository.loadTurn returns it (asserted, so a field added to the port does not break the bench). */
export function message(seq: bigint, direction: "inbound" | "outbound", text: string, status: string): MutableHistoryMessage {
  return { id: `m${seq}`, seq, direction, text, status, createdAt: new Date(), replyId: null, kind: "text" } as MutableHistoryMessage;
}

/** What loadTurn gives buildPrompt (asserted, so fields the prompt does not use can come and go in the port). */
export function turnContext(system: string, history: readonly HistoryMessage[], pendingId: string): PromptContext {
  return {
    conversationId: "bench",
    businessId: "bench",
    agentPaused: false,
    business: { timezone: "UTC", openingHours: null, outsideHours: "answer", awayMessage: null },
    settings: readBusinessSettings({}),
    awaySentAt: null,
    channel: { id: "bench", kind: "webchat", platformAccountId: "bench", credentialsRef: null },
    recipientId: "bench",
    persona: { versionId: "bench", version: 1, systemPrompt: system },
    activity: { lastDay: history.filter((m) => m.direction === "inbound").length, lastMinute: 1, noReplyYet: history.length === 1 },
    history,
    pendingIds: [pendingId],
  } as PromptContext;
}
