import type { ChatHistoryItem } from "node-llama-cpp";
import type { ChatPrompt } from "../../domain/chat-prompt.js";

/**
 * Our prompt as node-llama-cpp chat history. It ends with an empty model response: the part the
 * model completes, so that rendering, counting and generating all see the same text.
 */
export function toChatHistory(prompt: ChatPrompt): ChatHistoryItem[] {
  return [
    { type: "system", text: prompt.system },
    ...prompt.turns.map((t): ChatHistoryItem => (t.role === "user" ? { type: "user", text: t.text } : { type: "model", response: [t.text] })),
    { type: "model", response: [] },
  ];
}
