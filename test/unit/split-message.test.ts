import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { INSTAGRAM_TEXT_LIMIT, splitMessage, WHATSAPP_TEXT_LIMIT } from "../../src/adapters/channels/meta/split-message.js";

const squash = (s: string) => s.replace(/\s+/g, "");
const hasLoneSurrogate = (s: string) => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe("splitMessage", () => {
  it("keeps a message within the limit as it is (trimmed)", () => {
    expect(splitMessage("  Hello there!  ", 100)).toEqual(["Hello there!"]);
    expect(splitMessage("x".repeat(WHATSAPP_TEXT_LIMIT), WHATSAPP_TEXT_LIMIT)).toHaveLength(1);
  });

  it("gives nothing for an empty or blank text", () => {
    expect(splitMessage("", 10)).toEqual([]);
    expect(splitMessage(" \n\t ", 10)).toEqual([]);
  });

  it("cuts at sentence ends", () => {
    const text = "We open at nine. We close at six! Do you want to order a cake? It takes two days.";
    expect(splitMessage(text, 40)).toEqual(["We open at nine. We close at six!", "Do you want to order a cake?", "It takes two days."]);
  });

  it("prefers paragraphs to sentences", () => {
    const text = "First paragraph. Still first.\n\nSecond paragraph here.";
    expect(splitMessage(text, 45)).toEqual(["First paragraph. Still first.", "Second paragraph here."]);
  });

  it("cuts CJK sentences, which have no space after the full stop", () => {
    const text = "今日は営業しています。ケーキは二日前に予約してください。ありがとうございます。";
    const parts = splitMessage(text, 20);
    expect(parts.every((p) => p.length <= 20)).toBe(true);
    expect(parts[0]).toBe("今日は営業しています。");
  });

  it("falls back to words, then to graphemes without breaking emoji", () => {
    expect(splitMessage("aaaa bbbb cccc dddd", 10)).toEqual(["aaaa bbbb", "cccc dddd"]);
    const emoji = "👍🏽".repeat(10); // 4 code units each
    const parts = splitMessage(emoji, 10);
    expect(parts.every((p) => p.length <= 10 && /^(👍🏽)+$/u.test(p))).toBe(true);
    expect(parts.join("")).toBe(emoji);
  });

  it("refuses a nonsensical limit", () => {
    expect(() => splitMessage("abc", 1)).toThrow(RangeError);
  });

  it("always fits the limit, loses nothing but whitespace at cuts, never splits a surrogate pair", () => {
    const textArb = fc.string({ unit: fc.constantFrom("a", "b", " ", ".", "!", "\n", "。", "é", "😀", "👍🏽", "\u0301"), maxLength: 400 });
    fc.assert(
      fc.property(textArb, fc.integer({ min: 2, max: 60 }), (text, max) => {
        const parts = splitMessage(text, max);
        for (const p of parts) {
          expect(p.length).toBeGreaterThan(0);
          expect(p.length).toBeLessThanOrEqual(max);
          expect(p).toBe(p.trim());
          expect(hasLoneSurrogate(p)).toBe(false);
        }
        expect(squash(parts.join(""))).toBe(squash(text));
      }),
      { numRuns: 400 },
    );
  });

  it("handles any Unicode at the real platform limits", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 0, maxLength: 3000 }), fc.constantFrom(INSTAGRAM_TEXT_LIMIT, 50), (text, max) => {
        const parts = splitMessage(text, max);
        expect(parts.every((p) => p.length <= max && p.length > 0)).toBe(true);
        expect(squash(parts.join(""))).toBe(squash(text));
      }),
      { numRuns: 100 },
    );
  });
});
