import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatTurn } from "../../src/domain/chat-prompt.js";
import { trimHistory } from "../../src/domain/trim-history.js";
import { LlamaChatModel } from "../../src/adapters/llm/llama-chat-model.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { MODEL_CACHE_DIR } from "../../test-kit/test-env.js";

// Counted with the real Llama-2 tokenizer (the tiny model carries the real vocabulary).
let model: LlamaChatModel;
beforeAll(async () => {
  model = await LlamaChatModel.load({
    modelPath: await ensureTinyModel(MODEL_CACHE_DIR),
    threads: 2,
    contextSize: 4096,
    sequences: 1,
    temperature: 0,
  });
});
afterAll(async () => model?.close());

const SYSTEM = "You are Rosa, the assistant of Sunrise Bakery. Opening hours: Tuesday to Sunday 7:00-18:00.";

function conversation(pairs: number): ChatTurn[] {
  const turns: ChatTurn[] = [];
  for (let i = 1; i <= pairs; i++) {
    turns.push({ role: "user", text: `Question number ${i}: do you have rye bread and croissants on day ${i}?` });
    turns.push({ role: "assistant", text: `Answer number ${i}: yes, rye loaf is 4.90 and croissants are 2.20 every day but Monday.` });
  }
  turns.push({ role: "user", text: "Latest question: can I order a lemon cake for Saturday?" });
  return turns;
}

function trim(turns: ChatTurn[], budget: number, chunkTokens = 100) {
  return trimHistory({
    system: SYSTEM,
    turns,
    budget,
    chunkTokens,
    countTurn: (t) => model.countTurnTokens(t),
    countPrompt: (p) => model.countPromptTokens(p),
  });
}

describe("trimHistory with the Llama-2 tokenizer", async () => {
  it("keeps everything when it fits", async () => {
    const turns = conversation(3);
    const result = await trim(turns, 4096 - 256);
    expect(result.droppedTurns).toBe(0);
    expect(result.prompt.turns).toEqual(turns);
    expect(result.promptTokens).toBe(await model.countPromptTokens({ system: SYSTEM, turns }));
  });

  it("keeps the persona and the newest turns, fits the budget, and cuts before a user turn", async () => {
    const turns = conversation(60);
    const full = await model.countPromptTokens({ system: SYSTEM, turns });
    const budget = 1000;
    expect(full).toBeGreaterThan(budget * 3);
    const result = await trim(turns, budget);
    expect(result.promptTokens).toBeLessThanOrEqual(budget);
    expect(await model.countPromptTokens(result.prompt)).toBe(result.promptTokens);
    expect(result.prompt.system).toBe(SYSTEM);
    expect(result.prompt.turns.at(-1)).toEqual(turns.at(-1));
    expect(result.prompt.turns[0]!.role).toBe("user");
    // The kept turns are exactly the newest ones, in order.
    expect(result.prompt.turns).toEqual(turns.slice(result.droppedTurns));
    expect(await model.renderPrompt(result.prompt)).toContain(SYSTEM);
    expect(await model.renderPrompt(result.prompt)).not.toContain("Question number 1:");
  });

  it("trims in chunks, so the kept prefix stays the same for the next turns", async () => {
    const budget = 1000;
    const chunk = 300;
    let turns = conversation(20);
    const first = await trim(turns, budget, chunk);
    expect(first.droppedTurns).toBeGreaterThan(0);
    // Headroom: after the cut the prompt is at least (about) a chunk below the budget.
    expect(first.promptTokens).toBeLessThanOrEqual(budget - chunk + 60);
    // The next two exchanges fit without moving the start: the same prefix, KV cache reusable.
    const keptStart = turns[first.droppedTurns];
    turns = [...turns, { role: "assistant", text: "Yes, a lemon cake from 28.00." }, { role: "user", text: "Great, and a baguette too?" }];
    const second = await trimHistory({
      system: SYSTEM,
      turns: turns.slice(first.droppedTurns),
      budget,
      chunkTokens: chunk,
      countTurn: (t) => model.countTurnTokens(t),
      countPrompt: (p) => model.countPromptTokens(p),
    });
    expect(second.droppedTurns).toBe(0);
    expect(second.prompt.turns[0]).toEqual(keptStart);
  });

  it("refuses a prompt whose persona and newest message alone exceed the budget", async () => {
    const turns: ChatTurn[] = [{ role: "user", text: "word ".repeat(400) }];
    await expect(trim(turns, 200)).rejects.toThrowError(/PROMPT_TOO_LARGE|budget is 200/);
  });
});
