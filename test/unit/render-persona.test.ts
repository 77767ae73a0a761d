import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PromptFormat } from "../../src/adapters/llm/prompt-format.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { readPersonaFile } from "../../src/domain/personas/persona-file.js";
import type { Persona } from "../../src/domain/personas/persona-schema.js";
import { checkPersonaFits, personaTokenBudget, PersonaTooLongError, renderSystemPrompt } from "../../src/domain/personas/render-persona.js";
import { fanPersona, supportPersona } from "../../test-kit/persona-fixtures.js";
import { MODEL_CACHE_DIR } from "../../test-kit/test-env.js";

let vocabulary: Awaited<ReturnType<typeof PromptFormat.loadVocabulary>>;
// Exact tokens of the prompt with this system text and an empty message, with the real Llama-2 tokenizer.
const countTokens = (system: string) => vocabulary.format.countPrompt({ system, turns: [{ role: "user", text: "" }] });

beforeAll(async () => {
  vocabulary = await PromptFormat.loadVocabulary(await ensureTinyModel(MODEL_CACHE_DIR));
});
afterAll(async () => {
  await vocabulary?.close();
});

const renderPersona = (persona: Persona, o: { countTokens: (s: string) => number; budget: number }) =>
  checkPersonaFits(persona, { countTokens: o.countTokens, maxPersonaTokens: o.budget });

describe("renderSystemPrompt and checkPersonaFits", () => {
  it("lists facts and rules, adds the AI rule and the handoff rule for a business", () => {
    const { systemPrompt } = renderPersona(supportPersona(), { countTokens, budget: 1000 });
    expect(systemPrompt).toMatch(/^You are Rosa, the AI assistant of Sunrise Bakery\./);
    expect(systemPrompt).toContain("You chat with people in a friendly way");
    expect(systemPrompt).toContain("- hours: Tuesday to Saturday 7:00-18:00, Sunday 8:00-13:00");
    expect(systemPrompt).toContain("- bread: sourdough loaf 5.50, baguette 2.80");
    expect(systemPrompt).toContain("- Answer in one to three short sentences.");
    expect(systemPrompt).toContain("- You are an AI. Never claim to be a human.");
    expect(systemPrompt).toContain(
      'asks for a person, asks for a refund or their money back, makes a complaint or mentions "wholesale", say that the owner will reply personally',
    );
    expect(systemPrompt).not.toContain("In your first message");
  });

  it("tells a fan agent to disclose, not to be the creator, and which topics to avoid", () => {
    const { systemPrompt } = renderPersona(fanPersona(), { countTokens, budget: 1000 });
    expect(systemPrompt).toMatch(/^You are the AI assistant of Mia \(Mia Bakes\)/);
    expect(systemPrompt).toContain("Never claim to be a human or to be Mia in person.");
    expect(systemPrompt).toContain(`say: "Hi! I'm Mia's AI assistant, not Mia herself."`);
    expect(systemPrompt).toContain("Do not talk about politics or family");
    expect(systemPrompt).toContain("Keep every reply under 120 characters.");
  });

  it("renders the same text as checkPersonaFits returns: one rendering for the prompt and the budget", () => {
    const persona = fanPersona();
    expect(renderPersona(persona, { countTokens, budget: 1000 }).systemPrompt).toBe(renderSystemPrompt(persona));
  });

  it("counts tokens with the injected counter (the real tokenizer) and accepts a prompt that fits", () => {
    const persona = supportPersona();
    const rendered = renderPersona(persona, { countTokens, budget: 1000 });
    expect(rendered.tokens).toBe(countTokens(rendered.systemPrompt));
    expect(rendered.tokens).toBeGreaterThan(100);
    expect(renderPersona(persona, { countTokens, budget: rendered.tokens }).tokens).toBe(rendered.tokens);
  });

  it("refuses a persona over the budget, naming the count and the limit", () => {
    const persona = supportPersona();
    const tokens = renderPersona(persona, { countTokens, budget: 10_000 }).tokens;
    expect(() => renderPersona(persona, { countTokens, budget: tokens - 1 })).toThrowError(PersonaTooLongError);
    expect(() => renderPersona(persona, { countTokens, budget: tokens - 1 })).toThrowError(
      new RegExp(`system prompt is ${tokens} tokens; the limit is ${tokens - 1}`),
    );
    try {
      renderPersona(persona, { countTokens, budget: tokens - 1 });
    } catch (error) {
      expect(error).toMatchObject({ code: "PERSONA_TOO_LONG", status: 422, details: { tokens, limit: tokens - 1 } });
    }
  });

  it("fits both shipped templates in the default budget of a 4096-token context", async () => {
    const budget = personaTokenBudget(4096, 256);
    expect(budget).toBe(1920);
    for (const file of ["prompts/support-bakery.md", "prompts/fan-creator.md"]) {
      expect(renderPersona(await readPersonaFile(file), { countTokens, budget }).tokens).toBeLessThan(budget);
    }
  });
});
