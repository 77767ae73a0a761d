import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UnavailableError } from "../../src/domain/errors.js";
import { LlamaChatModel } from "../../src/adapters/llm/llama-chat-model.js";
import { createPersonaTokenCounter } from "../../src/adapters/llm/persona-token-counter.js";
import { ensureTinyChatModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { CHATML_FAMILY, LLAMA2_FAMILY, LLAMA3_FAMILY } from "../../src/dev/tiny-model/tiny-chat-families.js";
import { readPersonaFile } from "../../src/domain/personas/persona-file.js";
import { renderSystemPrompt } from "../../src/domain/personas/render-persona.js";
import { MODEL_CACHE_DIR } from "../../test-kit/test-env.js";

// The console's persona budget is counted in the gateway, which has no model loaded: it must come
// out as the worker's model counts the same system prompt, or a persona the console accepted would
// not fit the context the worker builds.
const PERSONAS = ["prompts/support-bakery.md", "prompts/fan-creator.md"];
const workerCount = (model: LlamaChatModel, system: string) => model.countPromptTokens({ system, turns: [{ role: "user", text: "" }] });

describe.each([LLAMA2_FAMILY, LLAMA3_FAMILY, CHATML_FAMILY])("with the worker's $name model file", (family) => {
  let modelPath: string;
  let model: LlamaChatModel;
  beforeAll(async () => {
    modelPath = await ensureTinyChatModel(MODEL_CACHE_DIR, family);
    model = await LlamaChatModel.load({ modelPath, threads: 1, contextSize: 1024, sequences: 1, temperature: 0 });
  }, 60_000);
  afterAll(async () => model?.close());

  it("counts each persona's system prompt exactly as the worker's loaded model does", async () => {
    const counter = createPersonaTokenCounter(modelPath);
    for (const file of PERSONAS) {
      const system = renderSystemPrompt(await readPersonaFile(file));
      expect(await counter.count(system)).toBe(await workerCount(model, system));
    }
    await counter.close();
  });
});

describe("without a model file (the gateway's default)", () => {
  let llama2: LlamaChatModel;
  let llama3: LlamaChatModel;
  beforeAll(async () => {
    llama2 = await LlamaChatModel.load({
      modelPath: await ensureTinyChatModel(MODEL_CACHE_DIR, LLAMA2_FAMILY),
      threads: 1,
      contextSize: 1024,
      sequences: 1,
      temperature: 0,
    });
    llama3 = await LlamaChatModel.load({
      modelPath: await ensureTinyChatModel(MODEL_CACHE_DIR, LLAMA3_FAMILY),
      threads: 1,
      contextSize: 1024,
      sequences: 1,
      temperature: 0,
    });
  }, 60_000);
  afterAll(async () => {
    await llama2?.close();
    await llama3?.close();
  });

  it("counts as Llama-2-chat (the default model) does, template included, for any persona text", async () => {
    const counter = createPersonaTokenCounter(undefined);
    for (const file of PERSONAS) {
      const system = renderSystemPrompt(await readPersonaFile(file));
      expect(await counter.count(system)).toBe(await workerCount(llama2, system));
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 200, unit: "grapheme" }), async (text) => {
        const system = `You are the assistant of a bakery.\n${text}`;
        expect(await counter.count(system)).toBe(await workerCount(llama2, system));
      }),
      { numRuns: 200 },
    );
  });

  it("differs from a model with another tokenizer and template, which is why the gateway reads MODEL_PATH when it has it", async () => {
    const system = renderSystemPrompt(await readPersonaFile(PERSONAS[0]!));
    const withoutFile = createPersonaTokenCounter(undefined);
    expect(await withoutFile.count(system)).not.toBe(await workerCount(llama3, system));
  });
});

describe("when counting cannot work", () => {
  it("a missing model file: every count is a 503-class error naming it", async () => {
    const counter = createPersonaTokenCounter("/nonexistent/model.gguf");
    const counting = counter.count("You are a bakery.");
    await expect(counting).rejects.toBeInstanceOf(UnavailableError);
    await expect(counting).rejects.toMatchObject({ code: "TOKENIZER_UNAVAILABLE", message: expect.stringContaining("/nonexistent/model.gguf") });
    await counter.close();
  });
});
