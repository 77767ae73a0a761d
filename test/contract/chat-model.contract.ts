import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatPrompt, ChatTurn } from "../../src/domain/chat-prompt.js";
import type { ChatModel } from "../../src/ports/chat-model.js";

const SYSTEM = "You are Rosa of Sunrise Bakery. Answer in one to three short sentences.";
const TURNS: ChatTurn[] = [
  { role: "user", text: "Hi, do you open on Sunday?" },
  { role: "assistant", text: "Yes, from 8:00 to 13:00." },
  { role: "user", text: "And how much is a sourdough loaf, please?" },
  { role: "assistant", text: "A sourdough loaf is 5.50." },
  { role: "user", text: "Great, see you then!" },
];
const prompt = (turns: readonly ChatTurn[]): ChatPrompt => ({ system: SYSTEM, turns });

/**
 * What prompt building, trimming and the turn rely on from a ChatModel: exact prompt counts that
 * grow with the prompt, turn counts that bound what a turn adds (trimming picks cuts with them),
 * generation within maxTokens reporting the prompt's count, and an abort that stops it.
 */
export function chatModelContract(name: string, open: () => Promise<ChatModel>): void {
  describe(`ChatModel contract: ${name}`, () => {
    let model: ChatModel;
    beforeAll(async () => {
      model = await open();
    });
    afterAll(async () => model?.close());

    it("renders the persona and every turn, in order, and names its control markers", async () => {
      const text = await model.renderPrompt(prompt(TURNS));
      const at = [SYSTEM, ...TURNS.map((t) => t.text)].map((part) => text.indexOf(part));
      expect(at.every((i) => i >= 0)).toBe(true);
      expect([...at].sort((a, b) => a - b)).toEqual(at);
      // The text of its control tokens (customer text spelling one is made inert).
      expect(model.controlMarkers.length).toBeGreaterThan(0);
      expect(model.controlMarkers.every((marker) => marker.trim() === marker && marker.length > 0)).toBe(true);
      expect(model.contextSize).toBeGreaterThan(0);
    });

    it("counts a prompt exactly the same each time, more for a longer one; a turn's count bounds what it adds", async () => {
      for (let end = 1; end < TURNS.length; end += 2) {
        const shorter = await model.countPromptTokens(prompt(TURNS.slice(0, end)));
        const longer = await model.countPromptTokens(prompt(TURNS.slice(0, end + 2)));
        expect(await model.countPromptTokens(prompt(TURNS.slice(0, end)))).toBe(shorter);
        expect(longer).toBeGreaterThan(shorter);
        const added = (await model.countTurnTokens(TURNS[end]!)) + (await model.countTurnTokens(TURNS[end + 1]!));
        expect(longer - shorter).toBeLessThanOrEqual(added);
      }
      // Dropping the oldest exchange saves at most what its turns count (trimming's cut).
      const whole = await model.countPromptTokens(prompt(TURNS));
      const trimmed = await model.countPromptTokens(prompt(TURNS.slice(2)));
      const dropped = (await model.countTurnTokens(TURNS[0]!)) + (await model.countTurnTokens(TURNS[1]!));
      expect(whole - trimmed).toBeGreaterThan(0);
      expect(whole - trimmed).toBeLessThanOrEqual(dropped);
    });

    it("generates at most maxTokens, reporting the prompt's exact count and what it evaluated of it", async () => {
      const asked = prompt(TURNS);
      const generation = await model.generate(asked, { maxTokens: 3, temperature: 0, conversationKey: "contract-a" });
      expect(generation.promptTokens).toBe(await model.countPromptTokens(asked));
      expect(generation.evaluatedTokens).toBeGreaterThan(0);
      expect(generation.evaluatedTokens).toBeLessThanOrEqual(generation.promptTokens);
      expect(generation.generatedTokens).toBeLessThanOrEqual(3);
      expect(["end", "maxTokens"]).toContain(generation.stopReason);
      expect(typeof generation.text).toBe("string");
    });

    it("stops a generation whose signal is aborted", async () => {
      const controller = new AbortController();
      const chunks: string[] = [];
      const generation = await model.generate(prompt(TURNS.slice(0, 3)), {
        maxTokens: 64,
        temperature: 0,
        conversationKey: "contract-b",
        signal: controller.signal,
        onTextChunk: (chunk) => {
          chunks.push(chunk);
          controller.abort();
        },
      });
      expect(generation.stopReason).toBe("abort");
      expect(generation.generatedTokens).toBeLessThan(64);
    });
  });
}
