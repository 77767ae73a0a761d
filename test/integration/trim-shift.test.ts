import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatPrompt, ChatTurn } from "../../src/domain/chat-prompt.js";
import { LlamaChatModel } from "../../src/adapters/llm/llama-chat-model.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { MODEL_CACHE_DIR } from "../../test-kit/test-env.js";

// Counting, not timing: what a turn right after a trim evaluates, on the real engine.
const SYSTEM = "You are Rosa, the assistant of Sunrise Bakery. Opening hours: Tuesday to Sunday 7:00-18:00.";
const QUESTIONS = [
  "Are you open on Sunday?",
  "How much is rye?",
  "Do you have croissants?",
  "Can I order a cake?",
  "Is it vegan?",
  "Do you deliver?",
];
const models: LlamaChatModel[] = [];
let modelPath: string;
beforeAll(async () => {
  modelPath = await ensureTinyModel(MODEL_CACHE_DIR);
});
afterAll(async () => {
  for (const m of models) await m.close();
});

async function load(trimShift: boolean) {
  const model = await LlamaChatModel.load({ modelPath, threads: 1, contextSize: 2048, sequences: 1, temperature: 0, trimShift });
  models.push(model);
  return model;
}

/** Five exchanges answered by the model, as the worker stores them. */
async function conversation(model: LlamaChatModel, key: string): Promise<ChatTurn[]> {
  const turns: ChatTurn[] = [];
  for (const question of QUESTIONS.slice(0, 5)) {
    turns.push({ role: "user", text: question });
    const g = await model.generate({ system: SYSTEM, turns }, { maxTokens: 10, conversationKey: key });
    turns.push({ role: "assistant", text: g.text.trim() || "Sorry?" });
  }
  return turns;
}

describe("a turn after the history was trimmed", () => {
  it("evaluates only the new message: the kept turns are shifted into place, not read again", async () => {
    const model = await load(true);
    const turns = await conversation(model, "c");
    const next: ChatTurn = { role: "user", text: QUESTIONS[5]! };
    const trimmed: ChatPrompt = { system: SYSTEM, turns: [...turns.slice(4), next] }; // the two oldest exchanges dropped
    const g = await model.generate(trimmed, { maxTokens: 10, conversationKey: "c" });
    const kept =
      (await model.countPromptTokens({ system: SYSTEM, turns: turns.slice(4) })) - (await model.countPromptTokens({ system: SYSTEM, turns: [] }));
    expect(g.evaluatedTokens).toBeLessThanOrEqual((await model.countTurnTokens(next)) + 3);
    expect(g.shiftedTokens).toBeGreaterThan(kept - 15);
    expect(g.generatedTokens).toBeGreaterThan(0);

    // The cache now stands for the trimmed prompt: the next turn again reads only its own message.
    const after: ChatPrompt = {
      system: SYSTEM,
      turns: [...trimmed.turns, { role: "assistant", text: g.text.trim() || "Sorry?" }, { role: "user", text: "Thanks!" }],
    };
    const g2 = await model.generate(after, { maxTokens: 4, conversationKey: "c" });
    expect(g2.evaluatedTokens).toBeLessThanOrEqual((await model.countTurnTokens({ role: "user", text: "Thanks!" })) + 3);
    expect(g2.shiftedTokens).toBeUndefined();
  });

  it("reads the kept turns again with LLM_TRIM_SHIFT off", async () => {
    const model = await load(false);
    const turns = await conversation(model, "c");
    const next: ChatTurn = { role: "user", text: QUESTIONS[5]! };
    const g = await model.generate({ system: SYSTEM, turns: [...turns.slice(4), next] }, { maxTokens: 10, conversationKey: "c" });
    const kept =
      (await model.countPromptTokens({ system: SYSTEM, turns: turns.slice(4) })) - (await model.countPromptTokens({ system: SYSTEM, turns: [] }));
    expect(g.evaluatedTokens).toBeGreaterThan(kept);
    expect(g.shiftedTokens).toBeUndefined();
  });

  it("reads the prompt again when the persona changed or a kept turn was edited", async () => {
    const model = await load(true);
    const turns = await conversation(model, "p");
    const next: ChatTurn = { role: "user", text: QUESTIONS[5]! };
    const changed = await model.generate(
      { system: `${SYSTEM} Closed on Mondays.`, turns: [...turns.slice(4), next] },
      { maxTokens: 4, conversationKey: "p" },
    );
    expect(changed.shiftedTokens).toBeUndefined();
    expect(changed.evaluatedTokens).toBeGreaterThan(await model.countPromptTokens({ system: SYSTEM, turns: [] }));

    const again = await conversation(model, "e");
    const edited = [...again.slice(4)];
    edited[0] = { role: "user", text: "Can I order a chocolate cake?" };
    const g = await model.generate({ system: SYSTEM, turns: [...edited, next] }, { maxTokens: 4, conversationKey: "e" });
    expect(g.shiftedTokens).toBeUndefined();
    expect(g.evaluatedTokens).toBeGreaterThan((await model.countTurnTokens(next)) + 10);
  });
});
