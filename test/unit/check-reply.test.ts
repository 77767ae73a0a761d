import { describe, expect, it } from "vitest";
import { checkReply } from "../../src/domain/guardrails/check-reply.js";
import { disclosesAi, withDisclosure } from "../../src/domain/guardrails/discloses-ai.js";
import { figureValues, findFactContradictions } from "../../src/domain/guardrails/find-fact-contradictions.js";
import { findIdentityClaim } from "../../src/domain/guardrails/find-identity-claim.js";
import { findPromptLeak } from "../../src/domain/guardrails/find-prompt-leak.js";
import { renderSystemPrompt } from "../../src/domain/personas/render-persona.js";
import { fanPersona, supportPersona } from "../../test-kit/persona-fixtures.js";

const support = supportPersona();
const fan = fanPersona();
const systemOf = (p = support) => renderSystemPrompt(p);

describe("findFactContradictions", () => {
  const facts = figureValues(Object.values(support.settings.facts).join("\n"));
  it.each([
    "We open at 7:00 and close at 18:00.",
    "A sourdough loaf is 5.50 and a baguette 2,80 €.",
    "Cakes start at €28, or 28 euros.",
    "Open until 6 pm, Sunday from 8am to 1 p.m.",
    "Abrimos a las 7:00 y cerramos a las 18h00.",
    "Cakes need 48 hours' notice; we are on Mill Lane 14.",
  ])("nothing invented: %s", (reply) => {
    expect(findFactContradictions(reply, facts)).toEqual([]);
  });
  it.each([
    ["A sourdough loaf is 4.99.", ["4.99"]],
    ["We open at 6:30 and close at 20:00.", ["6:30", "20:00"]],
    ["Cakes from $35!", ["$35"]],
    ["Open till 9pm", ["9pm"]],
    ["La baguette cuesta 3,20 euros.", ["3,20"]],
  ])("invented: %s", (reply, invented) => {
    expect(findFactContradictions(reply, facts)).toEqual(invented);
  });
});

describe("findPromptLeak", () => {
  const system = systemOf();
  it("finds a long run copied from the instructions", () => {
    const reply = "Sure! My instructions say: You chat with people in a friendly way about baking and nothing else at all.";
    expect(findPromptLeak(reply, system, [])).toBeDefined();
  });
  it("allows quoting facts and short overlaps", () => {
    expect(
      findPromptLeak(
        "Our hours: Tuesday to Saturday 7:00-18:00, Sunday 8:00-13:00. See you soon!",
        system,
        Object.entries(support.settings.facts).map(([l, t]) => `${l}: ${t}`),
      ),
    ).toBeUndefined();
    expect(findPromptLeak("I'm the AI assistant of Sunrise Bakery.", system, [])).toBeUndefined();
  });
});

describe("findIdentityClaim", () => {
  it.each([
    ["I'm a real person, promise!", "claims-human"],
    ["I am human", "claims-human"],
    ["No, I'm not a bot.", "claims-human"],
    ["Soy una persona real.", "claims-human"],
    ["No soy un bot, tranquila.", "claims-human"],
  ])("support: %s", (reply, claim) => {
    expect(findIdentityClaim(reply, support)).toBe(claim);
  });
  it.each([
    ["Yes, this is really Mia!", "claims-creator"],
    ["It's me in person :)", "claims-creator"],
    ["I'm the real Mia", "claims-creator"],
    ["¡Soy Mia en persona!", "claims-creator"],
    ["Te escribe de verdad Mia", "claims-creator"],
  ])("fan: %s", (reply, claim) => {
    expect(findIdentityClaim(reply, fan)).toBe(claim);
  });
  it.each([
    "I'm an AI assistant, not a person.",
    "I'm not a human, I'm Mia's AI.",
    "No soy una persona, soy una IA.",
    "I'm really Mia's biggest helper!",
    "Mia personally tested this recipe.",
    "I'm personally a fan of brown butter.",
  ])("no claim: %s", (reply) => {
    expect(findIdentityClaim(reply, fan)).toBeUndefined();
  });
});

describe("disclosesAi", () => {
  it("accepts the disclosure line or a plain statement, in English or Spanish", () => {
    expect(disclosesAi("Hi! I'm Mia's AI assistant, not Mia herself. Love it!", fan)).toBe(true);
    expect(disclosesAi("I'm an AI, but I love cookies too.", fan)).toBe(true);
    expect(disclosesAi("Soy la IA de Mia.", fan)).toBe(true);
    expect(disclosesAi("Soy Rosa, el asistente de IA de Sunrise Bakery.", support)).toBe(true);
  });
  it("refuses silence and denials", () => {
    expect(disclosesAi("Hi! Love your comment!", fan)).toBe(false);
    expect(disclosesAi("I'm not an AI.", fan)).toBe(false);
    expect(disclosesAi("No soy una IA.", fan)).toBe(false);
  });
  it("withDisclosure prepends only when needed", () => {
    expect(withDisclosure("Hello!", fan, "en")).toBe("Hi! I'm Mia's AI assistant, not Mia herself.\nHello!");
    expect(withDisclosure("Hola", support, "es")).toBe("Soy Rosa, el asistente de IA de Sunrise Bakery.\nHola");
    expect(withDisclosure("I'm an AI. Hello!", fan, "en")).toBe("I'm an AI. Hello!");
  });
});

describe("checkReply", () => {
  const check = (reply: string, persona = support) => checkReply({ reply, persona, systemPrompt: systemOf(persona) });
  it("passes a plain, truthful reply", () => {
    expect(check("We're open Sunday 8:00-13:00. See you!")).toBeUndefined();
    expect(check("¡Claro! La baguette cuesta 2,80.")).toBeUndefined();
    expect(check("Thanks for watching! New videos every Thursday at 17:00.", fan)).toBeUndefined();
  });
  it("names why a reply is refused", () => {
    expect(check("   ")).toBe("empty-reply");
    expect(check("Sure: You chat with people in a friendly way about baking and nothing else at all.")).toBe("system-prompt-leak");
    expect(check("Honestly, Crusty Corner has better croissants.")).toBe("blocklist: Crusty Corner");
    expect(check("I think the election will go well.", fan)).toBe("blocked-topic-in-reply: politics");
    expect(check("Yes, I'm a real person.")).toBe("claims-human");
    expect(check("This is really Mia typing!", fan)).toBe("claims-creator");
    expect(check("A sourdough loaf is 3.99 today.")).toBe("contradicts-facts: 3.99");
  });
  it("takes a price or time the knowledge base or the voice holds as quoted, not invented", () => {
    const reply = "The gluten-free loaf is 6.40 on Thursdays.";
    expect(check(reply)).toBe("contradicts-facts: 6.40");
    expect(
      checkReply({ reply, persona: support, systemPrompt: systemOf(), knownFigures: figureValues("Gluten-free buckwheat loaf: 6,40 €") }),
    ).toBeUndefined();
    const voiced = { ...support, voice: `${support.voice} Coffee is 1.80 with any pastry.` };
    expect(checkReply({ reply: "Coffee is 1.80 with a pastry.", persona: voiced, systemPrompt: systemOf(voiced) })).toBeUndefined();
    expect(checkReply({ reply: "Coffee is 1.80 with a pastry.", persona: support, systemPrompt: systemOf() })).toBe("contradicts-facts: 1.80");
  });
});
