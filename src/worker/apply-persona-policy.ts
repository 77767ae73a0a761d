import { turnPolicy, type BeforeGeneration, type TurnPolicy } from "../guardrails/turn-policy.js";
import { personaV2MetaSchema, type PersonaV2 } from "../personas/persona-schema.js";
import type { TurnContext } from "../ports/turn-store.js";

/** The v2 persona of the turn, when its version has one (v1 personas have no code-enforced rules). */
export function personaPolicyOf(context: TurnContext): PersonaV2 | undefined {
  const stored = context.persona?.v2 as { meta?: unknown; body?: unknown } | undefined;
  if (!stored || typeof stored.body !== "string") return undefined;
  const meta = personaV2MetaSchema.safeParse(stored.meta);
  return meta.success ? { template: "stored", meta: meta.data, body: stored.body } : undefined;
}

/** The guardrails' decision before asking the model, from what the conversation holds. */
export function decideBeforeGeneration(persona: PersonaV2, context: TurnContext, policy: TurnPolicy = turnPolicy): BeforeGeneration {
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
export function checkGeneratedReply(persona: PersonaV2, context: TurnContext, reply: string, decision: Extract<BeforeGeneration, { action: "generate" }>, policy: TurnPolicy = turnPolicy) {
  return policy.afterGeneration({
    persona,
    reply,
    isFirstReply: context.activity.noReplyYet,
    askedIfHuman: decision.askedIfHuman,
    systemPrompt: context.persona?.systemPrompt ?? "",
    language: decision.language,
  });
}
