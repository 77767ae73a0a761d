import { describe, expect, it } from "vitest";
import { contentTerms, fold } from "../../src/app/knowledge/fold-terms.js";
import { LexicalIndex } from "../../src/app/knowledge/lexical-index.js";
import { splitPassages } from "../../src/app/knowledge/split-passages.js";
import type { KnowledgeEntryText } from "../../src/ports/knowledge-store.js";

const faq = (id: string, title: string, body: string): KnowledgeEntryText => ({ id, kind: "faq", title, body });
const doc = (id: string, title: string, body: string): KnowledgeEntryText => ({ id, kind: "document", title, body });

describe("splitPassages", () => {
  it("keeps a FAQ entry whole: one passage, the question as title and the answer as text", () => {
    const long = "We deliver within 5 km. ".repeat(60).trim();
    expect(splitPassages(faq("f1", "Do you deliver?", long))).toEqual([
      { id: "f1#0", entryId: "f1", kind: "faq", title: "Do you deliver?", text: long },
    ]);
  });

  it("joins short paragraphs of a document up to the size, and starts a new passage past it", () => {
    const paragraphs = ["Nuts: the almond croissant has nuts.", "Eggs: brioche has eggs.", "Sesame: the rye is topped with sesame."];
    const together = splitPassages(doc("d", "Allergens", paragraphs.join("\n\n")), { maxChars: 600 });
    expect(together.map((p) => p.text)).toEqual([paragraphs.join("\n\n")]);
    const apart = splitPassages(doc("d", "Allergens", paragraphs.join("\n\n")), { maxChars: 50 });
    expect(apart.map((p) => p.text)).toEqual(paragraphs);
    expect(apart.map((p) => p.id)).toEqual(["d#0", "d#1", "d#2"]);
    expect(apart.every((p) => p.title === "Allergens" && p.entryId === "d")).toBe(true);
  });

  it("cuts a long paragraph into sentence windows that overlap by one sentence and lose none", () => {
    const sentences = Array.from({ length: 12 }, (_, i) => `Sentence number ${i} says something about the shop.`);
    const passages = splitPassages(doc("d", "Story", sentences.join(" ")), { maxChars: 160 });
    expect(passages.length).toBeGreaterThan(3);
    for (const p of passages) expect(p.text.length).toBeLessThanOrEqual(160);
    for (const s of sentences) expect(passages.some((p) => p.text.includes(s))).toBe(true);
    for (let i = 1; i < passages.length; i++) {
      const lastOfPrevious = passages[i - 1]!.text.split(/(?<=\.) /).at(-1)!;
      expect(passages[i]!.text.startsWith(lastOfPrevious)).toBe(true);
    }
  });

  it("drops blank paragraphs and surrounding space", () => {
    expect(splitPassages(doc("d", "T", "\n\n  First.  \n\n\n   \n\nSecond.\n"), { maxChars: 5 }).map((p) => p.text)).toEqual(["First.", "Second."]);
  });
});

describe("contentTerms", () => {
  it("folds case and accents, drops English and Spanish filler, and cuts plural and -ing endings", () => {
    expect(fold("Horário ÑANDÚ")).toBe("horario nandu");
    expect(contentTerms("Hi! What are your opening HOURS?")).toEqual(["open", "hour"]);
    expect(contentTerms("¿Cuándo está abierta la panadería?")).toEqual(["abierta", "panaderia"]);
    expect(contentTerms("the a de la")).toEqual([]);
  });
});

describe("LexicalIndex (MiniSearch)", () => {
  const index = new LexicalIndex([
    ...splitPassages(faq("hours", "What are your opening hours?", "Tuesday to Saturday 7:00 to 19:00, Sunday 8:00 to 14:00. Closed on Mondays.")),
    ...splitPassages(faq("gluten", "Do you have gluten-free bread?", "A buckwheat loaf on Thursdays and Saturdays.")),
    ...splitPassages(faq("cake", "Can I order a custom birthday cake?", "Custom cakes need 48 hours' notice and a 10 euro deposit.")),
    ...splitPassages(
      doc(
        "allergens",
        "Allergen information",
        "Nuts: the almond croissant and the walnut loaf contain nuts.\n\nSesame: the seeded rye is topped with sesame.",
      ),
      { maxChars: 70 },
    ),
  ]);
  const top = (q: string) => index.rank(q, 3).map((r) => r.passage.id);

  it("puts the answering entry first for a differently phrased question", () => {
    expect(top("when do you open on sunday")[0]).toBe("hours#0");
    expect(top("anything without gluten?")[0]).toBe("gluten#0");
  });

  it("finds through typos, plurals and accents", () => {
    expect(top("birthdy cakes")[0]).toBe("cake#0");
    expect(top("glutn free")[0]).toBe("gluten#0");
  });

  it("picks the document passage that holds the answer", () => {
    expect(top("does the almond croissant have nuts")[0]).toBe("allergens#0");
    expect(top("sesame in the rye?")[0]).toBe("allergens#1");
  });

  it("returns nothing for filler, an unrelated question, or below the score threshold", () => {
    expect(index.rank("hi, thanks!", 3)).toEqual([]);
    expect(index.rank("are you hiring plumbers", 3)).toEqual([]);
    const best = index.rank("almond croissant", 1)[0]!;
    expect(index.rank("almond croissant", 3, best.score + 0.001)).toEqual([]);
  });

  it("orders by score, best first, and honours the limit", () => {
    const ranked = index.rank("saturday bread loaf", 2);
    expect(ranked).toHaveLength(2);
    expect(ranked[0]!.score).toBeGreaterThanOrEqual(ranked[1]!.score);
  });

  it("is empty with no passages", () => {
    expect(new LexicalIndex([]).rank("open?", 3)).toEqual([]);
  });
});
