import { conversationOrder, groupTurns, type ChatPrompt, type ChatTurn } from "../../domain/chat-prompt.js";
import { FatalError } from "../../domain/errors.js";
import { trimHistory, type TrimResult } from "../../domain/trim-history.js";
import { controlTextOf } from "../../domain/guardrails/neutralise-control-text.js";
import type { ChatModel } from "../../ports/chat-model.js";
import type { TurnContext } from "../../ports/turn-store.js";
import { knowledgeNotes, type NotePassage } from "./knowledge-notes.js";

export interface BuiltPrompt {
  readonly prompt: ChatPrompt;
  readonly promptTokens: number;
  /** Seq of the first message kept: the conversation's new history start. */
  readonly historyStartSeq: bigint;
  readonly droppedTurns: number;
  /** Knowledge passages placed in the newest user turn. */
  readonly knowledgePassageIds: readonly string[];
}

export interface PromptKnowledge {
  /** The business has knowledge entries: the budget is held back from the history even when nothing matched. */
  readonly hasKnowledge: boolean;
  /** Best first. */
  readonly passages: readonly NotePassage[];
  readonly budgetTokens: number;
}

/**
 * Persona + history since the conversation's start, trimmed to what fits beside the reply and
 * the knowledge budget. Knowledge passages go into the newest user turn, never the system
 * prompt: the persona and earlier turns stay the same prefix, so the engine's KV cache of them
 * is reused across turns.
 */
/** A turn whose persona could be used: its rendered system prompt is what the prompt starts with. */
export type PromptContext = Omit<TurnContext, "persona"> & { readonly persona: { readonly systemPrompt: string } };

export async function buildPrompt(
  context: PromptContext,
  model: ChatModel,
  options: { readonly replyMaxTokens: number; readonly chunkTokens: number },
  knowledge?: PromptKnowledge,
): Promise<BuiltPrompt> {
  // Customers' text reaches the model with control markup ([INST], <|im_start|>, the model's own control tokens) made inert.
  const controlText = controlTextOf(model);
  const history = context.history.map((m) => (m.direction === "inbound" ? { ...m, text: controlText.neutralise(m.text) } : m));
  const grouped = groupTurns(conversationOrder(history));
  // Llama-2-chat turns start with the user; a reply left at the front by an earlier trim is dropped.
  while (grouped[0]?.turn.role === "assistant") grouped.shift();
  const budget = model.contextSize - options.replyMaxTokens;
  const trim = (reserve: number): Promise<TrimResult> =>
    trimHistory({
      system: context.persona.systemPrompt,
      turns: grouped.map((g) => g.turn),
      budget: budget - reserve,
      chunkTokens: options.chunkTokens,
      countTurn: (t) => model.countTurnTokens(t),
      countPrompt: (p) => model.countPromptTokens(p),
    });
  const reserve = knowledge?.hasKnowledge ? Math.min(knowledge.budgetTokens, budget) : 0;
  let result: TrimResult;
  let room = reserve;
  try {
    result = await trim(reserve);
  } catch (error) {
    // The persona and the newest message alone leave no room for notes: answer without them.
    if (reserve === 0 || !(error instanceof FatalError) || error.code !== "PROMPT_TOO_LARGE") throw error;
    result = await trim(0);
    room = 0;
  }
  let { prompt, promptTokens } = result;
  let used: string[] = [];
  const count = (text: string) => model.countTurnTokens({ role: "user", text });
  for (let passages = knowledge?.passages ?? []; room > 0 && passages.length > 0; passages = passages.slice(0, -1)) {
    const notes = await knowledgeNotes(passages, room, count, controlText);
    if (!notes) break;
    const last = prompt.turns.at(-1)!;
    const withNotes: ChatPrompt = {
      system: prompt.system,
      turns: [...prompt.turns.slice(0, -1), { role: "user", text: `${notes.text}${last.text}` } satisfies ChatTurn],
    };
    const tokens = await model.countPromptTokens(withNotes);
    // countTurnTokens is an upper bound, so this holds; checked anyway, since the context size is hard.
    if (tokens <= budget) {
      prompt = withNotes;
      promptTokens = tokens;
      used = notes.used;
      break;
    }
  }
  const first = grouped[result.droppedTurns]!.first;
  return { prompt, promptTokens, historyStartSeq: first.seq, droppedTurns: result.droppedTurns, knowledgePassageIds: used };
}
