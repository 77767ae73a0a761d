import { getLlama, Llama2ChatWrapper, LlamaLogLevel, LlamaText, type LlamaModel, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatTurn } from "../../src/domain/chat-prompt.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { toChatHistory } from "../../src/adapters/llm/to-chat-history.js";
import { planTrimShift } from "../../src/adapters/llm/trim-shift.js";
import { MODEL_CACHE_DIR } from "../../test-kit/test-env.js";

// The range planTrimShift finds, checked against the real Llama-2 tokenizer and chat template.
const SYSTEM = "You are Rosa, the assistant of Sunrise Bakery.";
const wrapper = new Llama2ChatWrapper();
const render = (turns: ChatTurn[]) => wrapper.generateContextState({ chatHistory: toChatHistory({ system: SYSTEM, turns }) }).contextText;
const u = (text: string): ChatTurn => ({ role: "user", text });
const a = (text: string): ChatTurn => ({ role: "assistant", text });
let model: LlamaModel;
let dispose: () => Promise<void>;
beforeAll(async () => {
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  model = await llama.loadModel({ modelPath: await ensureTinyModel(MODEL_CACHE_DIR) });
  dispose = async () => (await model.dispose(), await llama.dispose());
});
afterAll(async () => dispose?.());

const held = [u("Are you open on Sunday?"), a("Yes, from 8."), u("How much is rye?"), a("4.90 a loaf."), u("Do you deliver?")];
const next = [u("How much is rye?"), a("4.90 a loaf."), u("Do you deliver?"), a("Only on Fridays."), u("Thanks!")];

describe("planTrimShift", () => {
  it("finds the dropped exchange's tokens: the kept part starts at the first kept message", () => {
    const text = render(held);
    const tokens = text.tokenize(model.tokenizer);
    const plan = planTrimShift(model, { text, tokens }, render(next), tokens);
    expect(plan).toBeDefined();
    const header = LlamaText(text.values.slice(0, 4)).tokenize(model.tokenizer);
    expect(plan!.start).toBe(header.length);
    expect(plan!.evaluated.tokens).toEqual(render(held.slice(2)).tokenize(model.tokenizer));
    expect(plan!.evaluated.text.values.length).toBe(render(held.slice(2)).values.length);
  });

  it("gives up, rather than cut in the wrong place, when a generated reply holds a BOS token", () => {
    const text = render(held);
    const tokens = text.tokenize(model.tokenizer);
    const replyAt = LlamaText(text.values.slice(0, 6)).tokenize(model.tokenizer).length; // first token of "Yes, from 8."
    const generated: Token[] = [...tokens.slice(0, replyAt + 1), model.tokens.bos!, ...tokens.slice(replyAt + 1)];
    expect(planTrimShift(model, { text, tokens: generated }, render(next), generated)).toBeUndefined();
  });

  it("gives up when the sequence no longer holds the prompt, or nothing of it is kept", () => {
    const text = render(held);
    const tokens = text.tokenize(model.tokenizer);
    expect(planTrimShift(model, { text, tokens }, render(next), tokens.slice(0, 10))).toBeUndefined();
    expect(planTrimShift(model, { text, tokens }, render([u("Something else entirely")]), tokens)).toBeUndefined();
  });
});
