import type { ChatPrompt, ChatTurn } from "./chat-prompt.js";
import { FatalError } from "./errors.js";

export interface TrimInput {
  readonly system: string;
  /** Oldest first, ending with the user turn to answer. */
  readonly turns: readonly ChatTurn[];
  /** Most prompt tokens allowed: context size minus the tokens reserved for the reply. */
  readonly budget: number;
  /** Trim at least this many tokens at a time, so the kept prefix stays put for several turns. */
  readonly chunkTokens: number;
  /** Approximate tokens of one turn (cheap), used to pick where to cut. */
  readonly countTurn: (turn: ChatTurn) => Promise<number>;
  /** Exact tokens of a rendered prompt, used to check the result. */
  readonly countPrompt: (prompt: ChatPrompt) => Promise<number>;
}

export interface TrimResult {
  readonly prompt: ChatPrompt;
  /** How many leading turns were dropped. */
  readonly droppedTurns: number;
  readonly promptTokens: number;
}

/**
 * Keeps the persona and the newest turns within the token budget. Drops the oldest turns in chunks
 * of at least `chunkTokens`, always cutting before a user turn, so the prompt still alternates
 * correctly and the kept history keeps the same prefix (and KV cache) for the next turns.
 */
export async function trimHistory(input: TrimInput): Promise<TrimResult> {
  const { system, turns, budget } = input;
  if (turns.length === 0 || turns.at(-1)?.role !== "user") {
    throw new FatalError("PROMPT_INVALID", "a prompt must end with a user turn");
  }
  let start = 0;
  for (;;) {
    const prompt: ChatPrompt = { system, turns: turns.slice(start) };
    const promptTokens = await input.countPrompt(prompt);
    if (promptTokens <= budget) return { prompt, droppedTurns: start, promptTokens };
    if (start === turns.length - 1) {
      throw new FatalError("PROMPT_TOO_LARGE", `the persona and the newest message need ${promptTokens} tokens; the budget is ${budget}`);
    }
    start = await nextCut(turns, start, Math.max(input.chunkTokens, promptTokens - budget), input.countTurn);
  }
}

/** The first user turn after dropping at least `atLeast` tokens from `start`; never past the last turn. */
async function nextCut(turns: readonly ChatTurn[], start: number, atLeast: number, countTurn: (t: ChatTurn) => Promise<number>): Promise<number> {
  const last = turns.length - 1;
  let dropped = 0;
  let i = start;
  while (i < last && dropped < atLeast) dropped += await countTurn(turns[i++]!);
  while (i < last && turns[i]!.role !== "user") i++;
  return Math.max(i, start + 1);
}
