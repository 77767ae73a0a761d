import { isOpenAt, nextOpeningAfter, parseWeeklyHours, renderAwayMessage } from "../domain/opening-hours/index.js";
import type { TurnContext } from "../ports/turn-store.js";
import type { TurnDeps, TurnOutcome } from "./handle-turn.js";

export const OUTSIDE_HOURS_SKIP = "outside_hours";

export type OutsideHoursDecision =
  /** Open, or the business wants the agent to answer anyway: the turn goes on as usual. */
  | { readonly kind: "answer"; readonly invalidSchedule?: readonly string[] }
  /** Closed, and this closed period has not had the away message yet. */
  | { readonly kind: "away"; readonly text: string }
  /** Closed, and the away message already went out in this closed period. */
  | { readonly kind: "skip" };

/** Pure: what to do with pending messages at `now`, given the business's hours and when the away message last went out. */
export function decideOutsideHours(context: Pick<TurnContext, "business" | "awaySentAt">, now: Date): OutsideHoursDecision {
  const { business, awaySentAt } = context;
  if (business.outsideHours !== "away") return { kind: "answer" };
  const parsed = parseWeeklyHours(business.openingHours);
  // A stored schedule the API would refuse: keep answering rather than silence the agent.
  if (!parsed.ok) return { kind: "answer", invalidSchedule: parsed.errors };
  const { hours } = parsed;
  const zone = business.timezone;
  if (isOpenAt(hours, zone, now)) return { kind: "answer" };
  if (awaySentAt && awaySentAt <= now && !isOpenAt(hours, zone, awaySentAt)) {
    // Same closed period: the business has not opened since the away message went out.
    const reopened = nextOpeningAfter(hours, zone, awaySentAt);
    if (reopened === null || reopened > now) return { kind: "skip" };
  }
  return { kind: "away", text: renderAwayMessage(business.awayMessage, nextOpeningAfter(hours, zone, now), zone, now) };
}

/**
 * Answers the pending messages outside opening hours when the business asks for that: the away
 * message (stored and delivered like any reply, once per closed period), or marks them skipped.
 * Returns null when the turn should go on to the model.
 */
export async function handleOutsideHours(deps: TurnDeps, context: TurnContext, startedAt: Date): Promise<TurnOutcome | null> {
  const now = deps.now?.() ?? new Date();
  const decision = decideOutsideHours(context, now);
  if (decision.kind === "answer") {
    if (decision.invalidSchedule) deps.logger.warn({ businessId: context.businessId, errors: decision.invalidSchedule }, "stored opening hours are invalid; answering as if open");
    return null;
  }
  if (decision.kind === "skip") {
    await deps.store.skipInbound(context.pendingIds, OUTSIDE_HOURS_SKIP);
    deps.logger.info({ conversationId: context.conversationId, skipped: context.pendingIds.length }, "outside hours: away message already sent, messages left for the owner");
    return { kind: "skipped", reason: OUTSIDE_HOURS_SKIP, skipped: context.pendingIds.length };
  }
  const saved = await deps.store.saveReply({
    conversationId: context.conversationId,
    businessId: context.businessId,
    channelId: context.channel.id,
    answeredIds: context.pendingIds,
    text: decision.text,
    historyStartSeq: 0n,
    awaySentAt: now,
    stats: { worker: deps.workerName, promptTokens: 0, evaluatedTokens: 0, generatedTokens: 0, startedAt, generationStartedAt: now, generationEndedAt: now },
  });
  if (!saved) {
    deps.logger.warn({ conversationId: context.conversationId }, "turn fenced: its messages were answered by another turn");
    return { kind: "fenced" };
  }
  await deps.deliver(saved.outboxId);
  deps.logger.info({ conversationId: context.conversationId, replyId: saved.replyId, answered: context.pendingIds.length }, "outside hours: away message sent");
  return { kind: "away", replyId: saved.replyId, outboxId: saved.outboxId, answered: context.pendingIds.length };
}
