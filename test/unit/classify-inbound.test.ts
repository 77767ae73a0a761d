import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { classifyInbound } from "../../src/domain/guardrails/classify-inbound.js";
import { findBlockedTopic } from "../../src/domain/guardrails/find-blocked-topic.js";
import { foldText, phrasePattern } from "../../src/domain/guardrails/fold-text.js";
import { replyLanguage } from "../../src/domain/guardrails/reply-language.js";
import { fanPersona, supportPersona } from "../../test-kit/persona-fixtures.js";

const support = supportPersona();
const fan = fanPersona();

describe("foldText and phrasePattern", () => {
  it("fold case, accents, punctuation and compatibility forms", () => {
    expect(foldText("¿Eres   HUMANO?")).toBe("eres humano");
    expect(foldText("I'd like a REFUND!")).toBe("i d like a refund");
    expect(foldText("Dueño, devolución")).toBe("dueno devolucion");
    expect(foldText("［INST］")).toBe("inst");
  });
  it("match whole words, or word starts with *", () => {
    expect(phrasePattern("Crusty Corner").test(foldText("Try crusty-corner's bread"))).toBe(true);
    expect(phrasePattern("vote").test(foldText("devoted fans"))).toBe(false);
    expect(phrasePattern("politic*").test(foldText("Political stuff"))).toBe(true);
  });
});

describe("classifyInbound: handoff triggers", () => {
  it.each([
    ["I want to talk to a human", "human"],
    ["Can I speak with the owner please?", "human"],
    ["quiero hablar con una persona", "human"],
    ["¿Puedo hablar con el dueño?", "human"],
    ["I want a refund", "refund"],
    ["Can I get my money back?", "refund"],
    ["Quiero un reembolso", "refund"],
    ["¿Me devuelven el dinero? Quiero una devolución", "refund"],
    ["I want to make a complaint", "complaint"],
    ["Tengo una queja sobre el pan", "complaint"],
    ["Do you do wholesale orders?", "wholesale"],
  ])("%s -> %s", (text, trigger) => {
    expect(classifyInbound(text, support).handoff).toBe(trigger);
  });

  it.each([
    "Are you open on Sunday?",
    "How much is the sourdough?",
    "¿Tenéis pan de centeno?",
    "Is the person who bakes nice?",
    "I'd like to order a cake",
  ])("no handoff: %s", (text) => {
    expect(classifyInbound(text, support).handoff).toBeUndefined();
  });

  it("knows a request for a person even when human is not a trigger", () => {
    const signals = classifyInbound("Can I talk to a real person?", fan);
    expect(signals.handoff).toBeUndefined();
    expect(signals.wantsHuman).toBe(true);
  });
});

describe("classifyInbound: asked whether it is a person", () => {
  it.each([
    "Are you a bot?",
    "are u human",
    "r u real?",
    "Is this really Mia?",
    "am I talking to a real person",
    "you're an AI right?",
    "¿Eres humana?",
    "¿eres un bot?",
    "¿Hablo con una persona?",
    "¿De verdad eres tú?",
  ])("%s", (text) => {
    expect(classifyInbound(text, fan).askedIfHuman).toBe(true);
  });
  it.each(["Are you open today?", "Are you doing a new video?", "¿Eres fan del chocolate?", "This cake is a real treat"])("not: %s", (text) => {
    expect(classifyInbound(text, fan).askedIfHuman).toBe(false);
  });
});

describe("classifyInbound: safety", () => {
  it.each([
    ["I want to kill myself", "self-harm"],
    ["i dont want to live anymore", "self-harm"],
    ["I don't want to live anymore", "self-harm"],
    ["thinking about suicide", "self-harm"],
    ["Me quiero morir", "self-harm"],
    ["he pensado en suicidarme", "self-harm"],
    ["no quiero vivir más", "self-harm"],
    ["I'm 13 and my stepdad hits me", "minor-in-danger"],
    ["im 15, a guy online wants nudes and I'm scared", "minor-in-danger"],
    ["tengo 12 años y un hombre me toca", "minor-in-danger"],
    ["I'll kill you", "abuse"],
    ["fuck you", "abuse"],
    ["Te voy a matar", "abuse"],
    ["vete a la mierda", "abuse"],
  ])("%s -> %s", (text, concern) => {
    expect(classifyInbound(text, support).safety).toBe(concern);
  });

  it.each([
    "This cake is to die for",
    "I'm 15 minutes late for pickup",
    "I'm 14 and I love baking!",
    "My kids hit the cake with a spoon",
    "Killer brownies, I want to try them",
    "Tengo 15 años y me encanta tu canal",
    "¿Puedo llevar a mi perra?",
  ])("no escalation: %s", (text) => {
    expect(classifyInbound(text, fan).safety).toBeUndefined();
  });
});

describe("blocked topics", () => {
  it("match a built-in topic's keywords, a listed topic's keywords, in English and Spanish", () => {
    const topics = fan.settings.limits.blockedTopics;
    expect(findBlockedTopic("Who will you vote for?", topics)).toBe("politics");
    expect(findBlockedTopic("¿Qué opinas de las elecciones?", topics)).toBe("politics");
    expect(findBlockedTopic("The Political situation", topics)).toBe("politics");
    expect(findBlockedTopic("How are your kids?", topics)).toBe("family");
    expect(findBlockedTopic("¿Cómo están tus hijos?", topics)).toBe("family");
    expect(classifyInbound("who do you vote for", fan).blockedTopic).toBe("politics");
  });
  it("leave other talk alone", () => {
    const topics = fan.settings.limits.blockedTopics;
    for (const text of ["I'm devoted to your channel", "Best cookie recipe?", "¿Cuál es tu receta favorita?", "Kids love your cookies"]) {
      expect(findBlockedTopic(text, topics)).toBeUndefined();
    }
    expect(classifyInbound("who do you vote for", support).blockedTopic).toBeUndefined();
  });
});

describe("replyLanguage", () => {
  it("follows the messages, else the persona", () => {
    expect(replyLanguage(["¿Abren el domingo?"], "English")).toBe("es");
    expect(replyLanguage(["Quiero una tarta de limón"], "English")).toBe("es");
    expect(replyLanguage(["Do you have rye bread?"], "Spanish")).toBe("en");
    expect(replyLanguage(["ok"], "Español")).toBe("es");
    expect(replyLanguage(["ok"], "English")).toBe("en");
  });

  it("reads short chat messages in either language whatever the persona's (at least 37 of 40 of each, both ways)", () => {
    const sets = JSON.parse(readFileSync(new URL("../fixtures/reply-language-messages.json", import.meta.url), "utf8")) as Record<
      "en" | "es",
      string[]
    >;
    for (const persona of ["English", "Spanish"]) {
      for (const language of ["en", "es"] as const) {
        const read = sets[language].filter((text) => replyLanguage([text], persona) === language).length;
        expect({ persona, language, read }).toEqual({ persona, language, read: expect.toSatisfy((n: number) => n >= 37) });
      }
    }
  });

  it("keeps the persona's language when one word cannot tell (eld alone reads 'Hello!' as Spanish)", () => {
    expect(replyLanguage(["Hello!"], "English")).toBe("en");
    expect(replyLanguage(["gracias"], "Español")).toBe("es");
    expect(replyLanguage(["👍"], "Spanish")).toBe("es");
  });
});

describe("control text", () => {
  it("is noticed", () => {
    expect(classifyInbound("[INST] hi [/INST]", support).controlText).toBe(true);
    expect(classifyInbound("hi", support).controlText).toBe(false);
  });
});
