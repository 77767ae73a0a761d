import type { KnowledgeRetriever } from "../knowledge/knowledge-retriever.js";
import type { ChatModel } from "../../ports/chat-model.js";
import type { ConversationLock } from "../../ports/conversation-lock.js";
import type { Logger } from "../../ports/logger.js";
import type { TurnJob } from "../../ports/turn-queue.js";
import type { TurnStore } from "../../ports/turn-store.js";
import { ownerNoticeText, PERSONA_INVALID } from "../../domain/owner-notice.js";
import { generateReply, type ReplyOptions } from "./generate-reply.js";
import { handleOutsideHours } from "./outside-hours.js";

/** Said when the model produced nothing usable (for example only whitespace). */
export const EMPTY_REPLY_FALLBACK = "Sorry, I couldn't put an answer together just now. Someone from the team will get back to you.";

export type TurnOutcome =
  | { readonly kind: "busy"; readonly retryInMs?: number }
  | { readonly kind: "nothing-pending" }
  /** resumeInMs: the pause ends by itself then (the owner's quiet time); the job waits for it. */
  | { readonly kind: "paused"; readonly resumeInMs?: number }
  | { readonly kind: "fenced" }
  | { readonly kind: "skipped"; readonly reason: string; readonly skipped: number }
  /** Closed, the away message already sent: the messages wait for a person, or the agent at `until` (the opening job). */
  | { readonly kind: "waiting"; readonly waiting: number; readonly until: Date }
  /** Closed: answered with the business's away message instead of the model. */
  | { readonly kind: "away"; readonly replyId: string; readonly outboxId: string; readonly answered: number }
  | {
      readonly kind: "answered";
      /** Why code answered instead of the model (handoff, safety, blocked topic...). */
      readonly decidedBy?: string;
      /** Why the model's reply was replaced by a fallback. */
      readonly flagged?: string;
      /** The handoff this turn recorded (the owners are alerted). */
      readonly handoffId?: string;
      readonly replyId: string;
      readonly outboxId: string;
      readonly answered: number;
      readonly restarts: number;
      readonly promptTokens: number;
      readonly evaluatedTokens: number;
      readonly generatedTokens: number;
    };

export interface TurnDeps extends ReplyOptions {
  readonly store: TurnStore;
  readonly model: ChatModel;
  /** The business's FAQ entries and documents, searched per turn; absent: no knowledge in prompts. */
  readonly knowledge?: KnowledgeRetriever;
  readonly lock: ConversationLock;
  readonly logger: Logger;
  readonly lockRenewMs: number;
  /** Names this worker process in the turn record (host:pid). */
  readonly workerName: string;
  /** Sends the stored reply (outbox). Runs while the conversation is still locked, so replies leave in order. */
  readonly deliver: (outboxId: string) => Promise<unknown>;
  /** Makes sure the business's opening job runs at `opensAt` (idempotent per business and time). */
  readonly scheduleOpening: (businessId: string, opensAt: Date) => Promise<void>;
  /** The clock for opening hours (tests); defaults to the system clock. */
  readonly now?: () => Date;
  /** Base of the console link in a handoff notice to the owner (config http.publicBaseUrl). */
  readonly publicBaseUrl: string;
  /** Told when the agent starts writing an answer (the web chat shows "typing…"). */
  readonly onAnswering?: (conversationId: string, channelKind: string) => void;
}

/**
 * One conversation turn: answers every pending message of the conversation in one reply.
 * Only one turn per conversation runs at a time (lock); the conditional write in saveReply
 * makes a turn whose lock expired unable to store a second answer.
 */
export async function handleTurn(deps: TurnDeps, job: TurnJob): Promise<TurnOutcome> {
  const lease = await deps.lock.tryAcquire(job.conversationId);
  if (!lease) return { kind: "busy" };
  const startedAt = new Date();
  const renew = setInterval(() => void lease.extend().catch(() => undefined), deps.lockRenewMs);
  try {
    const context = await deps.store.loadTurn(job.conversationId);
    if (!context || context.pendingIds.length === 0) return { kind: "nothing-pending" };
    if (context.agentPaused) {
      const until = context.pausedUntil;
      if (!until) return { kind: "paused" };
      const left = until.getTime() - Date.now();
      if (left > 0) return { kind: "paused", resumeInMs: left };
      // Extended by a newer owner message between our read and this write: look again.
      if (!(await deps.store.resumeExpiredPause(context.conversationId, until))) return { kind: "paused", resumeInMs: 0 };
      deps.logger.info({ conversationId: context.conversationId }, "quiet time over: the agent answers again");
    }
    const newest = context.history.filter((m) => m.direction === "inbound").at(-1)!;
    const quietFor = Date.now() - newest.createdAt.getTime();
    // A turn starts only once the newest message is this old, so a burst gets one answer.
    const { turnDebounceMs } = context.settings;
    if (quietFor < turnDebounceMs) return { kind: "busy", retryInMs: turnDebounceMs - quietFor };
    const outsideHours = await handleOutsideHours(deps, context, startedAt);
    if (outsideHours) return outsideHours;

    deps.onAnswering?.(context.conversationId, context.channel.kind);
    const result = await generateReply(deps, context, deps);
    if (!result) return { kind: "nothing-pending" };
    if (result.context.persona.status === "invalid") {
      const { versionId, problem } = result.context.persona;
      deps.logger.error(
        { conversationId: context.conversationId, personaVersionId: versionId, problem },
        "persona cannot be used: the conversation goes to a person, the model is not asked",
      );
    }
    if (result.skip) {
      await deps.store.skipInbound(result.context.pendingIds, result.skip);
      deps.logger.info({ conversationId: context.conversationId, reason: result.skip }, "messages skipped by the guardrails");
      return { kind: "skipped", reason: result.skip, skipped: result.context.pendingIds.length };
    }
    const { built, generation, handoff } = result;
    const saved = await deps.store.saveReply({
      conversationId: result.context.conversationId,
      businessId: result.context.businessId,
      channelId: result.context.channel.id,
      answeredIds: result.context.pendingIds,
      text: result.text.trim() || EMPTY_REPLY_FALLBACK,
      historyStartSeq: built.historyStartSeq,
      stats: {
        worker: deps.workerName,
        promptTokens: built.promptTokens,
        evaluatedTokens: generation.evaluatedTokens,
        generatedTokens: generation.generatedTokens,
        startedAt,
        generationStartedAt: result.generationStartedAt,
        generationEndedAt: result.generationEndedAt,
      },
      ...(result.flagged ? { flag: { reason: result.flagged, modelText: generation.text } } : {}),
      ...(handoff
        ? {
            handoff: {
              ...handoff,
              pausedBy: handoff.reason === PERSONA_INVALID ? PERSONA_INVALID : handoff.reason.startsWith("safety:") ? "safety" : "handoff",
              noticeText: ownerNoticeText({
                reason: handoff.reason,
                customerChannel: context.channel.kind,
                conversationId: context.conversationId,
                publicBaseUrl: deps.publicBaseUrl,
              }),
            },
          }
        : {}),
    });
    if (!saved) {
      deps.logger.warn({ conversationId: context.conversationId }, "turn fenced: its messages were answered by another turn");
      return { kind: "fenced" };
    }
    if (result.decidedBy || result.flagged || result.controlText) {
      deps.logger.warn(
        {
          conversationId: context.conversationId,
          replyId: saved.replyId,
          decidedBy: result.decidedBy,
          flagged: result.flagged,
          // Chat-template control text in what the customer wrote: an injection attempt, made inert.
          controlText: result.controlText,
          handoffId: saved.handoff?.id,
          handoffStatus: saved.handoff?.status,
        },
        "guardrails acted on this turn",
      );
    }
    await deps.deliver(saved.outboxId);
    if (saved.handoff?.noticeOutboxId) await deps.deliver(saved.handoff.noticeOutboxId);
    const outcome = {
      kind: "answered",
      replyId: saved.replyId,
      outboxId: saved.outboxId,
      answered: result.context.pendingIds.length,
      restarts: result.restarts,
      promptTokens: built.promptTokens,
      evaluatedTokens: generation.evaluatedTokens,
      generatedTokens: generation.generatedTokens,
      ...(result.decidedBy ? { decidedBy: result.decidedBy } : {}),
      ...(result.flagged ? { flagged: result.flagged } : {}),
      ...(saved.handoff ? { handoffId: saved.handoff.id } : {}),
    } as const;
    deps.logger.info(
      { conversationId: context.conversationId, ...outcome, droppedTurns: built.droppedTurns, knowledgePassages: built.knowledgePassageIds.length },
      "turn answered",
    );
    return outcome;
  } finally {
    clearInterval(renew);
    await lease.release().catch(() => undefined);
  }
}
