import type { ChatModel, Generation } from "../../ports/chat-model.js";
import { PERSONA_INVALID } from "../../domain/owner-notice.js";
import type { TurnPersona } from "../../domain/personas/stored-persona.js";
import type { TurnContext, TurnStore } from "../../ports/turn-store.js";
import { controlTextOf } from "../../domain/guardrails/neutralise-control-text.js";
import { checkGeneratedReply, decideBeforeGeneration } from "./apply-persona-policy.js";
import type { KnowledgeRetriever } from "../knowledge/knowledge-retriever.js";
import { buildPrompt, type BuiltPrompt, type PromptKnowledge } from "./build-prompt.js";

/** What to do with a message that arrives while its conversation's reply is being generated. */
export type InterruptMode = "wait" | "restart";

/** The worker's own settings; the business's (reply length, temperature, knowledge budget, non-text reply) come with each turn's context. */
export interface ReplyOptions {
  readonly chunkTokens: number;
  readonly interrupt: InterruptMode;
  /** How often a generating turn checks for newer messages (restart mode). */
  readonly interruptPollMs: number;
  /** After this many restarts the turn answers what it has, so a chatty sender cannot starve it. */
  readonly maxRestarts: number;
  /** Web chat: how many fans' flood and daily allowance one network address gets (default 5). */
  readonly fansPerAddress?: number;
}

export interface GeneratedReply {
  readonly context: TurnContext;
  readonly built: BuiltPrompt;
  readonly generation: Generation;
  /** What to send: the model's reply as the guardrails left it, or a text decided in code. */
  readonly text: string;
  /** Send nothing and mark the pending messages skipped, for this reason (daily cap, flood). */
  readonly skip?: string;
  /** Why code answered instead of the model (handoff, safety, blocked topic...). */
  readonly decidedBy?: string;
  /** Why the model's reply was replaced (generation.text holds what the model said). */
  readonly flagged?: string;
  /** The customer's messages held chat-template control text, made inert before the model saw them. */
  readonly controlText?: boolean;
  /** The conversation goes to a person: the agent pauses and the owner is told (`notify`, the persona's owner). */
  readonly handoff?: { readonly reason: string; readonly notify: string };
  readonly generationStartedAt: Date;
  readonly generationEndedAt: Date;
  readonly restarts: number;
}

/**
 * Generates the reply for everything pending. In "restart" mode a message arriving mid-generation
 * aborts it, and the turn starts again with that message included (one reply, never two racing).
 * In "wait" mode the new message is left for the next turn.
 */
export async function generateReply(
  deps: { store: TurnStore; model: ChatModel; knowledge?: KnowledgeRetriever | undefined },
  initial: TurnContext,
  options: ReplyOptions,
): Promise<GeneratedReply | null> {
  let context = initial;
  for (let restarts = 0; ; restarts++) {
    // Fail closed: a persona that cannot be read or validated never reaches the model.
    if (context.persona.status === "invalid") return personaInvalidReply(context, context.persona);
    const valid = { ...context, persona: context.persona };
    const persona = valid.persona.persona;
    const { settings } = context;
    const built = await buildPrompt(
      valid,
      deps.model,
      { replyMaxTokens: settings.replyMaxTokens, chunkTokens: options.chunkTokens },
      await knowledgeFor(deps.knowledge, context, settings.knowledgeBudgetTokens),
    );
    // The answer when everything pending is a photo, voice note, sticker...: the model is not asked.
    if (onlyNonText(context)) return cannedReply(context, built, settings.nonTextReply);
    const controlText = controlTextOf(deps.model);
    const decision = decideBeforeGeneration(persona, context, undefined, options.fansPerAddress, controlText);
    if (decision.action === "ignore") return { ...cannedReply(context, built, ""), skip: decision.reason };
    if (decision.action === "reply") return { ...cannedReply(context, built, decision.text), decidedBy: decision.reason };
    if (decision.action === "handoff") {
      return {
        ...cannedReply(context, built, decision.text),
        decidedBy: decision.reason,
        handoff: { reason: decision.reason, notify: decision.notify },
      };
    }
    const pending = new Set(context.pendingIds);
    const lastPending = context.history.filter((m) => pending.has(m.id)).at(-1)!.seq;
    const controller = new AbortController();
    let interrupted = false;
    const watch =
      options.interrupt === "restart" && restarts < options.maxRestarts
        ? setInterval(() => {
            void deps.store.newestPendingSeq(context.conversationId).then(
              (seq) => {
                if (seq !== null && seq > lastPending && !controller.signal.aborted) {
                  interrupted = true;
                  controller.abort();
                }
              },
              () => undefined,
            );
          }, options.interruptPollMs)
        : undefined;
    const generationStartedAt = new Date();
    let generation: Generation;
    try {
      generation = await deps.model.generate(built.prompt, {
        maxTokens: settings.replyMaxTokens,
        temperature: settings.temperature,
        conversationKey: context.conversationId,
        signal: controller.signal,
      });
    } finally {
      clearInterval(watch);
    }
    if (!interrupted) {
      const knownFigures = deps.knowledge ? await deps.knowledge.figures(context.businessId, context.knowledge) : new Set<number>();
      const checked = checkGeneratedReply(persona, valid, generation.text, decision, knownFigures, undefined, controlText);
      return {
        context,
        built,
        generation,
        text: checked.text,
        ...(checked.flagged ? { flagged: checked.flagged } : {}),
        ...(checked.handoff ? { handoff: checked.handoff } : {}),
        ...(decision.controlText ? { controlText: true } : {}),
        generationStartedAt,
        generationEndedAt: new Date(),
        restarts,
      };
    }
    const reloaded = await deps.store.loadTurn(context.conversationId);
    if (!reloaded || reloaded.pendingIds.length === 0) return null;
    context = reloaded;
  }
}

/** The passages of the business's knowledge matching what the customer is waiting on. */
async function knowledgeFor(
  retriever: KnowledgeRetriever | undefined,
  context: TurnContext,
  budgetTokens: number,
): Promise<PromptKnowledge | undefined> {
  if (!retriever || budgetTokens <= 0) return undefined;
  const pending = new Set(context.pendingIds);
  const query = context.history
    .filter((m) => pending.has(m.id) && m.kind === "text")
    .map((m) => m.text)
    .join("\n");
  const found = await retriever.retrieve(context.businessId, query, context.knowledge);
  return { hasKnowledge: found.hasKnowledge, passages: found.passages.map((r) => r.passage), budgetTokens };
}

function onlyNonText(context: TurnContext): boolean {
  const pending = new Set(context.pendingIds);
  return context.history.every((m) => !pending.has(m.id) || m.kind !== "text");
}

/**
 * The persona's own handoff text when its stored settings still have one, else the built-in one;
 * the conversation goes to a person (PERSONA_INVALID) and the owner is told like any handoff.
 */
function personaInvalidReply(context: TurnContext, persona: Extract<TurnPersona, { status: "invalid" }>): GeneratedReply {
  const first = context.history[0]?.seq ?? 0n;
  const built: BuiltPrompt = { prompt: { system: "", turns: [] }, promptTokens: 0, historyStartSeq: first, droppedTurns: 0, knowledgePassageIds: [] };
  const text = persona.fallback.handoffText ?? PERSONA_INVALID_REPLY;
  return { ...cannedReply(context, built, text), decidedBy: PERSONA_INVALID, handoff: { reason: PERSONA_INVALID, notify: persona.fallback.notify } };
}

/** Said when the persona cannot be used and has no handoff text of its own. */
export const PERSONA_INVALID_REPLY = "Thanks for your message. A person from the team will reply to you here as soon as possible.";

function cannedReply(context: TurnContext, built: BuiltPrompt, text: string): GeneratedReply {
  const now = new Date();
  const generation: Generation = { text, promptTokens: 0, evaluatedTokens: 0, generatedTokens: 0, stopReason: "end" };
  return { context, built: { ...built, promptTokens: 0 }, generation, text, generationStartedAt: now, generationEndedAt: now, restarts: 0 };
}
