import type { ChatPrompt, ChatTurn } from "../domain/chat-prompt.js";
import { trimHistory } from "../domain/trim-history.js";
import type { ChatModel } from "../ports/chat-model.js";
import { neutraliseControlText } from "./neutralise-control-text.js";

export interface PolicyPromptInput {
  readonly systemPrompt: string;
  /** Earlier messages, oldest first; inbound text is made inert here too, since it was stored raw. */
  readonly history: readonly { readonly direction: "inbound" | "outbound"; readonly text: string }[];
  /** The texts beforeGeneration approved for this turn. */
  readonly userTexts: readonly string[];
  readonly model: Pick<ChatModel, "contextSize" | "countPromptTokens" | "countTurnTokens">;
  readonly replyMaxTokens: number;
  readonly chunkTokens: number;
}

/**
 * The prompt for one policy-checked turn: persona, history merged into alternating turns and
 * trimmed to the token budget, and the approved user texts as the last user turn. The worker
 * builds its own from stored messages (src/worker/build-prompt.ts); this is for callers that hold
 * the conversation in memory, like persona:check.
 */
export function buildPolicyPrompt(input: PolicyPromptInput): ChatPrompt {
  const turns: ChatTurn[] = [];
  const push = (role: ChatTurn["role"], text: string) => {
    const last = turns.at(-1);
    if (last?.role === role) turns[turns.length - 1] = { role, text: `${last.text}\n${text}` };
    else turns.push({ role, text });
  };
  for (const m of input.history) push(m.direction === "inbound" ? "user" : "assistant", m.direction === "inbound" ? neutraliseControlText(m.text) : m.text);
  push("user", input.userTexts.join("\n"));
  // Llama-2-chat turns start with the user.
  while (turns[0]?.role === "assistant") turns.shift();
  return trimHistory({
    system: input.systemPrompt,
    turns,
    budget: input.model.contextSize - input.replyMaxTokens,
    chunkTokens: input.chunkTokens,
    countTurn: (t) => input.model.countTurnTokens(t),
    countPrompt: (p) => input.model.countPromptTokens(p),
  }).prompt;
}
