import type { ChatModel } from "../ports/chat-model.js";
import type { ConversationLock } from "../ports/conversation-lock.js";
import type { Logger } from "../ports/logger.js";
import type { TurnJob } from "../ports/turn-queue.js";
import type { TurnStore } from "../ports/turn-store.js";
import { buildPrompt } from "./build-prompt.js";

/** Said when the model produced nothing usable (for example only whitespace). */
export const EMPTY_REPLY_FALLBACK = "Sorry, I couldn't put an answer together just now. Someone from the team will get back to you.";

export type TurnOutcome =
  | { readonly kind: "busy" }
  | { readonly kind: "nothing-pending" }
  | { readonly kind: "paused" }
  | { readonly kind: "fenced" }
  | {
      readonly kind: "answered";
      readonly replyId: string;
      readonly outboxId: string;
      readonly answered: number;
      readonly promptTokens: number;
      readonly evaluatedTokens: number;
      readonly generatedTokens: number;
    };

export interface TurnDeps {
  readonly store: TurnStore;
  readonly model: ChatModel;
  readonly lock: ConversationLock;
  readonly logger: Logger;
  readonly replyMaxTokens: number;
  readonly chunkTokens: number;
  readonly lockRenewMs: number;
  /** Sends the stored reply (outbox). Runs while the conversation is still locked, so replies leave in order. */
  readonly deliver: (outboxId: string) => Promise<unknown>;
}

/**
 * One conversation turn: answers every pending message of the conversation in one reply.
 * Only one turn per conversation runs at a time (lock); the conditional write in saveReply
 * makes a turn whose lock expired unable to store a second answer.
 */
export async function handleTurn(deps: TurnDeps, job: TurnJob): Promise<TurnOutcome> {
  const lease = await deps.lock.tryAcquire(job.conversationId);
  if (!lease) return { kind: "busy" };
  const renew = setInterval(() => void lease.extend().catch(() => undefined), deps.lockRenewMs);
  try {
    const context = await deps.store.loadTurn(job.conversationId);
    if (!context || context.pendingIds.length === 0) return { kind: "nothing-pending" };
    if (context.agentPaused) return { kind: "paused" };
    const built = buildPrompt(context, deps.model, { replyMaxTokens: deps.replyMaxTokens, chunkTokens: deps.chunkTokens });
    const generation = await deps.model.generate(built.prompt, { maxTokens: deps.replyMaxTokens, conversationKey: context.conversationId });
    const text = generation.text.trim() || EMPTY_REPLY_FALLBACK;
    const saved = await deps.store.saveReply({
      conversationId: context.conversationId,
      businessId: context.businessId,
      channelId: context.channel.id,
      answeredIds: context.pendingIds,
      text,
      historyStartSeq: built.historyStartSeq,
    });
    if (!saved) {
      deps.logger.warn({ conversationId: context.conversationId }, "turn fenced: its messages were answered by another turn");
      return { kind: "fenced" };
    }
    await deps.deliver(saved.outboxId);
    deps.logger.info(
      {
        conversationId: context.conversationId,
        answered: context.pendingIds.length,
        promptTokens: built.promptTokens,
        evaluatedTokens: generation.evaluatedTokens,
        generatedTokens: generation.generatedTokens,
        droppedTurns: built.droppedTurns,
      },
      "turn answered",
    );
    return {
      kind: "answered",
      replyId: saved.replyId,
      outboxId: saved.outboxId,
      answered: context.pendingIds.length,
      promptTokens: built.promptTokens,
      evaluatedTokens: generation.evaluatedTokens,
      generatedTokens: generation.generatedTokens,
    };
  } finally {
    clearInterval(renew);
    await lease.release().catch(() => undefined);
  }
}
