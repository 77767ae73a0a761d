import fc from "fast-check";
import { getLlama, LlamaLogLevel, type Llama, type LlamaModel, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IncrementalDetokenizer } from "../../src/adapters/llm/incremental-detokenizer.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { MODEL_CACHE_DIR } from "../../test-kit/test-env.js";

// The real Llama-2 tokenizer of the tiny model: byte-fallback tokens, SentencePiece spaces, control tokens.
describe("IncrementalDetokenizer", () => {
  let llama: Llama;
  let model: LlamaModel;
  let pieces: Token[][];

  beforeAll(async () => {
    llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
    model = await llama.loadModel({ modelPath: await ensureTinyModel(MODEL_CACHE_DIR) });
    // Words and characters whose tokens come out as several byte tokens (accents, CJK, emoji), and
    // the chat template's stop text "</s>" spelled as text, which splits over tokens.
    pieces = ["é", "ñ", "€", "你好", "😀", "👍🏽", "🦙", "</s>", "</", "s>", " Hola", "\n", " the", "  ", "¿Qué?", "a"].map((t) => [
      ...model.tokenize(t),
    ]);
  }, 60_000);

  afterAll(async () => {
    await model?.dispose();
    await llama?.dispose();
  });

  const streams = () =>
    fc
      .array(
        fc.oneof(
          fc.integer({ min: 0, max: 31_999 }).map((t) => [t as Token]),
          fc.integer({ min: 3, max: 258 }).map((t) => [t as Token]), // <0x00>..<0xFF> byte tokens
          fc.integer({ min: 0, max: 15 }).map((i) => pieces[i]!),
          fc.constantFrom([0 as Token], [1 as Token], [2 as Token]), // <unk>, <s>, </s>
        ),
        { maxLength: 60 },
      )
      .map((parts) => parts.flat());
  const befores = () =>
    fc.oneof(
      fc.constant<Token[]>([]),
      fc.array(
        fc.integer({ min: 0, max: 31_999 }).map((t) => t as Token),
        { maxLength: 6 },
      ),
      fc.constant<Token[] | undefined>(undefined),
    );

  it("gives, after every token, exactly the text of detokenizing all tokens so far", () => {
    const prompt = [...model.tokenize("[INST] Hi [/INST]")].slice(-4);
    fc.assert(
      fc.property(streams(), fc.oneof(fc.constant(prompt), befores()), (tokens, before) => {
        const incremental = new IncrementalDetokenizer(model, before ?? []);
        for (let n = 1; n <= tokens.length; n++) {
          const text = incremental.push(tokens[n - 1]!);
          expect(text).toBe(model.detokenize(tokens.slice(0, n), false, before ?? []));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("keeps a character spelled by byte tokens whole across the window, and a leading space", () => {
    const prompt = [...model.tokenize("[INST] Hi [/INST]")].slice(-4);
    const tokens = [...model.tokenize(" Hola 😀 qué tal, 你好 y 🦙🦙🦙 fin")];
    const incremental = new IncrementalDetokenizer(model, prompt);
    for (const token of tokens) incremental.push(token);
    expect(incremental.text).toBe(model.detokenize(tokens, false, prompt));
    expect(incremental.text.trim()).toBe("Hola 😀 qué tal, 你好 y 🦙🦙🦙 fin");
    expect(incremental.length).toBe(tokens.length);
  });
});
