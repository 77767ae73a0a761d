import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatPrompt } from "../../src/domain/chat-prompt.js";
import { LlamaChatModel } from "../../src/adapters/llm/llama-chat-model.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { MODEL_CACHE_DIR } from "../../test-kit/test-env.js";
import { spyOnNativeContexts } from "../../test-kit/native-context-spy.js";

// Concurrent conversations on one context, on the real engine (tiny model, greedy).
const SYSTEM = "You are Rosa, the assistant of Sunrise Bakery. Opening hours: Tuesday to Sunday 7:00-18:00.";
const prompt = (i: number): ChatPrompt => ({
  system: SYSTEM,
  turns: [{ role: "user", text: `Hi, do you have ${["rye", "croissants", "cake", "bagels"][i]} today?` }],
});
let modelPath: string;
const models: LlamaChatModel[] = [];
beforeAll(async () => {
  modelPath = await ensureTinyModel(MODEL_CACHE_DIR);
});
afterAll(async () => {
  for (const m of models) await m.close();
});

async function load() {
  const model = await LlamaChatModel.load({ modelPath, threads: 1, contextSize: 1024, sequences: 4, temperature: 0 });
  models.push(model);
  return model;
}

/** Counts the contexts' native decode calls. */
function countDecodes(model: LlamaChatModel): { count: number } {
  const counter = { count: 0 };
  spyOnNativeContexts(model, (name, call) => (name === "decodeBatch" ? (...a: unknown[]) => (counter.count++, call(...a)) : call));
  return counter;
}

describe("concurrent generations on one context", () => {
  it("decode their tokens together: one decode per step for 4 conversations", async () => {
    const model = await load();
    // Prompts evaluated first, so the measured decodes are generation steps.
    await Promise.all([0, 1, 2, 3].map((i) => model.generate(prompt(i), { maxTokens: 1, conversationKey: `c${i}` })));
    const decodes = countDecodes(model);
    const results = await Promise.all([0, 1, 2, 3].map((i) => model.generate(prompt(i), { maxTokens: 24, conversationKey: `c${i}` })));
    const longest = Math.max(...results.map((r) => r.generatedTokens));
    // Each step decodes all running conversations at once (plus at most the first step's prompt tail).
    expect(decodes.count).toBeLessThanOrEqual(longest + 1);
    expect(results.reduce((n, r) => n + r.generatedTokens, 0)).toBeGreaterThan(decodes.count * 2);
  }, 60_000);

  it("queue each step's tokens in ascending sequence id, so llama.cpp computes the batch in one pass", async () => {
    // llama.cpp (KV cache per sequence) splits a batch at every break in increasing, consecutive
    // sequence ids (split_equal in llama-batch.cpp); the tokens used to arrive in sampling order.
    const model = await load();
    await Promise.all([0, 1, 2, 3].map((i) => model.generate(prompt(i), { maxTokens: 1, conversationKey: `o${i}` })));
    const batches: number[][] = [];
    spyOnNativeContexts(model, (name, call) => {
      if (name === "initBatch") return (...a: unknown[]) => (batches.push([]), call(...a));
      if (name === "addToBatch") return (...a: unknown[]) => (batches.at(-1)!.push(a[0] as number), call(...a));
      return call;
    });
    for (let round = 0; round < 3; round++) {
      await Promise.all([3, 1, 2, 0].map((i) => model.generate(prompt((i + round) % 4), { maxTokens: 16, conversationKey: `o${i}` })));
    }
    const full = batches.filter((b) => b.length === 4);
    expect(full.length).toBeGreaterThan(30);
    for (const b of batches) expect(b).toEqual([...b].sort((x, y) => x - y));
  }, 60_000);

  it("give each conversation its own reply, and stream exactly that text", async () => {
    // Not compared with the replies each conversation gets alone: llama.cpp's results depend on
    // how tokens are batched (a batch of several tokens takes other matrix kernels than one token),
    // so on the random-weight model a near tie can tip either way (seen in about half the runs).
    const model = await load();
    const chunks: string[][] = [[], [], [], []];
    const together = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        model.generate(prompt(i), { maxTokens: 20, conversationKey: `a${i}`, fresh: true, onTextChunk: (t) => chunks[i]!.push(t) }),
      ),
    );
    expect(together.every((g) => g.generatedTokens > 0 && g.text.length > 0)).toBe(true);
    expect(chunks.map((c) => c.join(""))).toEqual(together.map((g) => g.text));
  }, 60_000);

  it("keep going when one conversation stops early or is aborted mid-way", async () => {
    const model = await load();
    const abort = new AbortController();
    let seen = 0;
    const results = await Promise.all([
      model.generate(prompt(0), { maxTokens: 40, conversationKey: "s0" }),
      model.generate(prompt(1), { maxTokens: 3, conversationKey: "s1" }),
      model.generate(prompt(2), { maxTokens: 40, conversationKey: "s2", signal: abort.signal, onTextChunk: () => ++seen === 3 && abort.abort() }),
      model.generate(prompt(3), { maxTokens: 17, conversationKey: "s3" }),
    ]);
    expect(results[1]!.generatedTokens).toBeLessThanOrEqual(3);
    expect(results[2]!.stopReason).toBe("abort");
    expect(results[3]!.generatedTokens).toBeLessThanOrEqual(17);
    // The decode loop is free again: a later lone generation does not wait for anyone.
    const later = await model.generate(prompt(0), { maxTokens: 8, conversationKey: "s0" });
    expect(later.generatedTokens).toBeGreaterThan(0);
  }, 60_000);
});
