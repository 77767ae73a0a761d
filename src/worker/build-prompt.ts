import { conversationOrder, groupTurns, type ChatPrompt } from "../domain/chat-prompt.js";
import { FatalError } from "../domain/errors.js";
import { trimHistory } from "../domain/trim-history.js";
import { neutraliseControlText } from "../guardrails/neutralise-control-text.js";
import type { ChatModel } from "../ports/chat-model.js";
import type { TurnContext } from "../ports/turn-store.js";

export interface BuiltPrompt {
  readonly prompt: ChatPrompt;
  readonly promptTokens: number;
  /** Seq of the first message kept: the conversation's new history start. */
  readonly historyStartSeq: bigint;
  readonly droppedTurns: number;
}

/** Persona + history since the conversation's start, trimmed to what fits beside the reply. */
export function buildPrompt(
  context: TurnContext,
  model: ChatModel,
  options: { readonly replyMaxTokens: number; readonly chunkTokens: number },
): BuiltPrompt {
  if (!context.persona) throw new FatalError("PERSONA_MISSING", `business ${context.businessId} has no active persona`);
  // Customers' text reaches the model with Llama-2 control markers ([INST], <<SYS>>...) made inert.
  const history = context.history.map((m) => (m.direction === "inbound" ? { ...m, text: neutraliseControlText(m.text) } : m));
  const grouped = groupTurns(conversationOrder(history));
  // Llama-2-chat turns start with the user; a reply left at the front by an earlier trim is dropped.
  while (grouped[0]?.turn.role === "assistant") grouped.shift();
  const result = trimHistory({
    system: context.persona.systemPrompt,
    turns: grouped.map((g) => g.turn),
    budget: model.contextSize - options.replyMaxTokens,
    chunkTokens: options.chunkTokens,
    countTurn: (t) => model.countTurnTokens(t),
    countPrompt: (p) => model.countPromptTokens(p),
  });
  const first = grouped[result.droppedTurns]!.first;
  return { prompt: result.prompt, promptTokens: result.promptTokens, historyStartSeq: first.seq, droppedTurns: result.droppedTurns };
}
