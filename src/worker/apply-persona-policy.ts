import { turnPolicy, type BeforeGeneration, type TurnPolicy } from "../guardrails/turn-policy.js";
import type { Persona } from "../personas/persona-schema.js";
import type { TurnContext } from "../ports/turn-store.js";

/** The guardrails' decision before asking the model, from what the conversation holds. */
export function decideBeforeGeneration(persona: Persona, context: TurnContext, policy: TurnPolicy = turnPolicy): BeforeGeneration {
  const pending = new Set(context.pendingIds);
  return policy.beforeGeneration({
    persona,
    pending: context.history.filter((m) => pending.has(m.id)),
    history: context.history.filter((m) => !pending.has(m.id)),
    isFirstReply: context.activity.noReplyYet,
    senderMessagesToday: context.activity.lastDay,
    burstSize: context.activity.lastMinute,
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
) {
  return policy.afterGeneration({
    persona,
    reply,
    isFirstReply: context.activity.noReplyYet,
    askedIfHuman: decision.askedIfHuman,
    systemPrompt: context.persona.systemPrompt,
    language: decision.language,
    knownFigures,
  });
}
