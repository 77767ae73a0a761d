import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import llamaTokenizer from "llama-tokenizer-js";
import { getLlama, Llama2ChatWrapper, LlamaChatSession, readGgufFileInfo, type Llama, type LlamaModel } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTinyModel, TINY_MODEL_FILE_NAME, TINY_MODEL_VOCAB_SIZE } from "../../src/dev/tiny-model/build-tiny-model.js";

const SLOW = 60_000;

const SAMPLES: Record<string, string> = {
  english: "Hello world! The quick brown fox jumps over the lazy dog.",
  spanish: "¿Dónde está la biblioteca? Mañana vamos al café con Begoña.",
  chinese: "你好，世界！今天天气很好。",
  emoji: "Great job 😀👍🏽🦙!",
  llama2Prompt: "[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\nHola, ¿qué tal? [/INST]",
  whitespace: "a  b   c\n    indented\t\ttabs  ",
  leadingSpace: " leading space",
};

describe("tiny random-weight Llama-2 model", () => {
  let dir: string;
  let modelPath: string;
  let llama: Llama;
  let model: LlamaModel;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tiny-model-"));
    modelPath = await ensureTinyModel(dir);
    llama = await getLlama({ gpu: false, build: "never", maxThreads: 2 });
    model = await llama.loadModel({ modelPath });
  }, SLOW);

  afterAll(async () => {
    await model?.dispose();
    await llama?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("is a GGUF v3 llama file with the Llama-2 vocabulary", async () => {
    expect(modelPath).toBe(join(dir, TINY_MODEL_FILE_NAME));
    const info = await readGgufFileInfo(modelPath);
    expect(info.version).toBe(3);
    expect(info.metadata.general.architecture).toBe("llama");
    expect(info.metadata.tokenizer.ggml.model).toBe("llama");
    expect(info.metadata.tokenizer.ggml.tokens).toHaveLength(TINY_MODEL_VOCAB_SIZE);
    expect(info.tensorInfo).toHaveLength(3 + 2 * 9);
    expect(model.tokens.bos).toBe(1);
    expect(model.tokens.eos).toBe(2);
  });

  it.each(Object.entries(SAMPLES))("tokenizes %s text exactly like llama-tokenizer-js", (_, text) => {
    // llama-tokenizer-js: encode(text, addBos, addPrecedingSpace) adds BOS by default;
    // node-llama-cpp's tokenize adds no BOS but does add SentencePiece's leading space.
    const expected = llamaTokenizer.encode(text, false, true);
    expect(model.tokenize(text)).toEqual(expected);
  });

  it("detokenizes back to the original text", () => {
    const text = SAMPLES.spanish ?? "";
    expect(model.detokenize(model.tokenize(text))).toBe(text);
  });

  it(
    "generates a (nonsense) reply through Llama2ChatWrapper",
    async () => {
      const context = await model.createContext({ contextSize: 512 });
      try {
        const session = new LlamaChatSession({
          contextSequence: context.getSequence(),
          chatWrapper: new Llama2ChatWrapper(),
        });
        const reply = await session.prompt("Hello, who are you?", { maxTokens: 8 });
        expect(reply.length).toBeGreaterThan(0);
        session.dispose();
      } finally {
        await context.dispose();
      }
    },
    SLOW,
  );

  it("does not rebuild an existing model", async () => {
    const before = await stat(modelPath);
    const again = await ensureTinyModel(dir);
    expect(again).toBe(modelPath);
    expect((await stat(again)).mtimeMs).toBe(before.mtimeMs);
  });
});

describe("ensureTinyModel concurrency", () => {
  it(
    "lets concurrent builders race without leaving partial or temp files",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "tiny-model-race-"));
      try {
        const [a, b] = await Promise.all([ensureTinyModel(dir), ensureTinyModel(dir)]);
        expect(a).toBe(b);
        expect(await readdir(dir)).toEqual([TINY_MODEL_FILE_NAME]);
        const info = await readGgufFileInfo(join(dir, TINY_MODEL_FILE_NAME));
        expect(info.metadata.general.architecture).toBe("llama");
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    SLOW,
  );
});
