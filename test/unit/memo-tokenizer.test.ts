import { getLlama, LlamaLogLevel, LlamaText, SpecialToken, SpecialTokensText, type Llama, type LlamaModel, type Tokenizer } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoTokenizer } from "../../src/adapters/llm/memo-tokenizer.js";
import { PromptFormat } from "../../src/adapters/llm/prompt-format.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { renderSystemPrompt } from "../../src/domain/personas/render-persona.js";
import { supportPersona } from "../../test-kit/persona-fixtures.js";
import { MODEL_CACHE_DIR } from "../../test-kit/test-env.js";

// The real Llama-2 tokenizer (the tiny model's vocabulary only).
let llama: Llama;
let model: LlamaModel;

beforeAll(async () => {
  llama = await getLlama({ gpu: false, build: "never", maxThreads: 1, logLevel: LlamaLogLevel.error });
  model = await llama.loadModel({ modelPath: await ensureTinyModel(MODEL_CACHE_DIR), vocabOnly: true });
}, 120_000);
afterAll(async () => llama?.dispose());

/** The model's tokenizer, counting the calls that reach it. */
function counting(): { tokenizer: Tokenizer; calls: () => number } {
  let calls = 0;
  const tokenizer = Object.assign(
    ((...args: Parameters<Tokenizer>) => {
      calls++;
      return (model.tokenizer as (...a: unknown[]) => ReturnType<Tokenizer>)(...args);
    }) as Tokenizer,
    { detokenize: model.detokenize, isSpecialToken: model.tokenizer.isSpecialToken, isEogToken: model.tokenizer.isEogToken },
  );
  return { tokenizer, calls: () => calls };
}

describe("memoTokenizer", () => {
  it("gives the model tokenizer's tokens for every flag and option, from memory the second time", () => {
    const { tokenizer, calls } = counting();
    const memo = memoTokenizer(tokenizer);
    const cases: Array<[string, boolean | undefined, "trimLeadingSpace" | undefined]> = [
      [" Hello there, can I order a cake?", undefined, undefined],
      [" Hello there, can I order a cake?", false, "trimLeadingSpace"],
      ["[INST] <<SYS>>\n", true, undefined],
      ["[INST] <<SYS>>\n", true, "trimLeadingSpace"],
      ["", false, undefined],
      ["Ünïcödé 🎂 and numbers 12345", false, undefined],
    ];
    for (const [text, special, options] of cases) expect(memo(text, special, options)).toEqual(model.tokenize(text, special, options));
    const first = calls();
    expect(first).toBe(cases.length);
    for (const [text, special, options] of cases) expect(memo(text, special, options)).toEqual(model.tokenize(text, special, options));
    expect(calls()).toBe(first);
    // The same text with other flags is another entry, not the first one's tokens.
    expect(memo(" Hello there, can I order a cake?", true, undefined)).toEqual(model.tokenize(" Hello there, can I order a cake?", true));
    expect(calls()).toBe(first + 1);
  });

  it("clear forgets every remembered segment: the next call reaches the model's tokenizer again", () => {
    const { tokenizer, calls } = counting();
    const memo = memoTokenizer(tokenizer);
    memo("My phone number is 555 0100", false);
    memo("[INST] <<SYS>>\n", true);
    expect(calls()).toBe(2);
    memo.clear();
    expect(memo("My phone number is 555 0100", false)).toEqual(model.tokenize("My phone number is 555 0100", false));
    expect(memo("[INST] <<SYS>>\n", true)).toEqual(model.tokenize("[INST] <<SYS>>\n", true));
    expect(calls()).toBe(4);
  });

  it("hands each caller its own array: changing one does not change what the next call gets", () => {
    const memo = memoTokenizer(model.tokenizer);
    const a = memo("We open at eight.");
    a.push(a[0]!);
    a[0] = 0 as never;
    expect(memo("We open at eight.")).toEqual(model.tokenize("We open at eight."));
  });

  it("tokenizes a whole prompt (LlamaText, special tokens and texts) exactly as the model's tokenizer does", () => {
    const memo = memoTokenizer(model.tokenizer);
    const system = renderSystemPrompt(supportPersona());
    const text = LlamaText([
      new SpecialToken("BOS"),
      new SpecialTokensText("[INST] <<SYS>>\n"),
      system,
      new SpecialTokensText("\n<</SYS>>\n\n"),
      "Hi",
      new SpecialTokensText(" [/INST] "),
    ]);
    expect(text.tokenize(memo)).toEqual(text.tokenize(model.tokenizer));
    expect(text.tokenize(memo)).toEqual(text.tokenize(model.tokenizer));
    expect(text.tokenize(memo, "trimLeadingSpace")).toEqual(text.tokenize(model.tokenizer, "trimLeadingSpace"));
  });

  it("PromptFormat counts and finds the persona prefix with it, as the model's own tokenizer would", () => {
    const format = new PromptFormat(model);
    const system = renderSystemPrompt(supportPersona());
    const prompt = { system, turns: [{ role: "user" as const, text: "Do you have gluten-free bread?" }] };
    const direct = format.contextState(prompt).contextText.tokenize(model.tokenizer).map(Number);
    expect(format.tokenize(prompt)).toEqual(direct);
    expect(format.tokenize(prompt)).toEqual(direct);
    const prefix = format.systemPrefix(system);
    expect(direct.slice(0, prefix.length)).toEqual(prefix.map(Number));
  });
});
