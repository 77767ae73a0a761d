import type { ControlText } from "../../domain/guardrails/neutralise-control-text.js";
import { turnPolicy, type BeforeGeneration, type TurnPolicy } from "../../domain/guardrails/turn-policy.js";
import type { Persona } from "../../domain/personas/persona-schema.js";
import type { TurnContext } from "../../ports/turn-store.js";

/** How many fans' allowance (flood limit, daily cap) one web chat network address gets when none is configured. */
export const DEFAULT_FANS_PER_ADDRESS = 5;

/** The guardrails' decision before asking the model, from what the conversation holds. */
export function decideBeforeGeneration(
  persona: Persona,
  context: TurnContext,
  policy: TurnPolicy = turnPolicy,
  fansPerAddress = DEFAULT_FANS_PER_ADDRESS,
  controlText?: ControlText,
): BeforeGeneration {
  const pending = new Set(context.pendingIds);
  const address = context.activity.address;
  return policy.beforeGeneration({
    persona,
    ...(controlText ? { controlText } : {}),
    pending: context.history.filter((m) => pending.has(m.id)),
    history: context.history.filter((m) => !pending.has(m.id)),
    isFirstReply: context.activity.noReplyYet,
    senderMessagesToday: context.activity.lastDay,
    burstSize: context.activity.lastMinute,
    ...(address ? { address: { messagesToday: address.lastDay, burstSize: address.lastMinute, fansPerAddress } } : {}),
  });
}

/** The guardrails' check of the model's reply: the text to send, and why it was replaced, if it was. */
export function checkGeneratedReply(
  persona: Persona,
  context: TurnContext & { persona: { status: "valid" } },
  reply: string,
  decision: Extract<BeforeGeneration, { action: "generate" }>,
  knownFigures: ReadonlySet<number>,
  policy: TurnPolicy = turnPolicy,
  controlText?: ControlText,
) {
  return policy.afterGeneration({
    persona,
    ...(controlText ? { controlText } : {}),
    reply,
    isFirstReply: context.activity.noReplyYet,
    askedIfHuman: decision.askedIfHuman,
    systemPrompt: context.persona.systemPrompt,
    language: decision.language,
    knownFigures,
  });
}
