import type { ChatPrompt } from "../../domain/chat-prompt.js";

/** A prompt as OpenAI-compatible servers take it: the system prompt, then the turns. */
export function chatMessagesOf(prompt: ChatPrompt): Array<{ role: string; content: string }> {
  return [{ role: "system", content: prompt.system }, ...prompt.turns.map((t) => ({ role: t.role, content: t.text }))];
}
