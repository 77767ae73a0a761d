import { foldText } from "./fold-text.js";

/** This many words in a row, copied from the instructions, count as repeating the system prompt. */
export const LEAK_WORDS = 12;

/**
 * The first run of LEAK_WORDS words the reply shares with the system prompt, ignoring runs that lie
 * inside texts the reply may quote (facts, the disclosure line); undefined when there is none.
 */
export function findPromptLeak(reply: string, systemPrompt: string, quotable: readonly string[]): string | undefined {
  const allowed = new Set(quotable.flatMap((t) => shingles(t)));
  const secret = new Set(shingles(systemPrompt).filter((s) => !allowed.has(s)));
  return shingles(reply).find((s) => secret.has(s));
}

function shingles(text: string): string[] {
  const words = foldText(text).split(" ").filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i + LEAK_WORDS <= words.length; i++) out.push(words.slice(i, i + LEAK_WORDS).join(" "));
  return out;
}
