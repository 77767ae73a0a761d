import { isOpenAt, nextOpeningAfter, parseWeeklyHours, renderAwayMessage } from "../../domain/opening-hours/index.js";
import type { TurnContext } from "../../ports/turn-store.js";
import type { TurnDeps, TurnOutcome } from "./handle-turn.js";

export type OutsideHoursDecision =
  /** Open, or the business wants the agent to answer anyway: the turn goes on as usual. */
  | { readonly kind: "answer"; readonly invalidSchedule?: readonly string[] }
  /** Closed, and this closed period has not had the away message yet. */
  | { readonly kind: "away"; readonly text: string }
  /** Closed, and the away message already went out in this closed period: the messages wait for a person or the opening (null: it never opens). */
  | { readonly kind: "wait"; readonly opens: Date | null };

/** Pure: what to do with pending messages at `now`, given the business's hours and when the away message last went out. */
export function decideOutsideHours(context: Pick<TurnContext, "business" | "awaySentAt" | "tryIt">, now: Date): OutsideHoursDecision {
  const { business, awaySentAt } = context;
  if (business.outsideHours !== "away" || context.tryIt === "open") return { kind: "answer" };
  const parsed = parseWeeklyHours(business.openingHours);
  // A stored schedule the API would refuse: keep answering rather than silence the agent.
  if (!parsed.ok) return { kind: "answer", invalidSchedule: parsed.errors };
  const { hours } = parsed;
  const zone = business.timezone;
  if (isOpenAt(hours, zone, now)) return { kind: "answer" };
  if (awaySentAt && awaySentAt <= now && !isOpenAt(hours, zone, awaySentAt)) {
    // Same closed period: the business has not opened since the away message went out.
    const reopened = nextOpeningAfter(hours, zone, awaySentAt);
    if (reopened === null || reopened > now) return { kind: "wait", opens: reopened };
  }
  return { kind: "away", text: renderAwayMessage(business.awayMessage, nextOpeningAfter(hours, zone, now), zone, now) };
}

/** With no opening ahead (a schedule with no open hours), waiting messages are looked at again after this. */
const NEVER_OPENS_RECHECK_MS = 7 * 86_400_000;

/**
 * Answers the pending messages outside opening hours when the business asks for that: the away
 * message (stored and delivered like any reply, once per closed period). Later messages of the
 * same closed period stay unanswered, waiting for a person in the inbox, and the business's
 * opening job is scheduled to let the agent answer them at the next opening unless a person did.
 * Returns null when the turn should go on to the model.
 */
export async function handleOutsideHours(deps: TurnDeps, context: TurnContext, startedAt: Date): Promise<TurnOutcome | null> {
  const now = deps.now?.() ?? new Date();
  const decision = decideOutsideHours(context, now);
  if (decision.kind === "answer") {
    if (decision.invalidSchedule)
      deps.logger.warn(
        { businessId: context.businessId, errors: decision.invalidSchedule },
        "stored opening hours are invalid; answering as if open",
      );
    return null;
  }
  if (decision.kind === "wait") {
    const until = decision.opens ?? new Date(now.getTime() + NEVER_OPENS_RECHECK_MS);
    await deps.store.waitForOpening(context.conversationId, until);
    if (decision.opens) await deps.scheduleOpening(context.businessId, decision.opens);
    deps.logger.info(
      { conversationId: context.conversationId, waiting: context.pendingIds.length, until },
      "outside hours: away message already sent, messages wait for a person or the opening",
    );
    return { kind: "waiting", waiting: context.pendingIds.length, until };
  }
  const saved = await deps.store.saveReply({
    conversationId: context.conversationId,
    businessId: context.businessId,
    channelId: context.channel.id,
    answeredIds: context.pendingIds,
    text: decision.text,
    historyStartSeq: 0n,
    awaySentAt: now,
    stats: {
      worker: deps.workerName,
      promptTokens: 0,
      evaluatedTokens: 0,
      generatedTokens: 0,
      startedAt,
      generationStartedAt: now,
      generationEndedAt: now,
    },
  });
  if (!saved) {
    deps.logger.warn({ conversationId: context.conversationId }, "turn fenced: its messages were answered by another turn");
    return { kind: "fenced" };
  }
  await deps.deliver(saved.outboxId);
  deps.logger.info(
    { conversationId: context.conversationId, replyId: saved.replyId, answered: context.pendingIds.length },
    "outside hours: away message sent",
  );
  return { kind: "away", replyId: saved.replyId, outboxId: saved.outboxId, answered: context.pendingIds.length };
}
