import { describe, expect, it } from "vitest";
import { InputError } from "../../src/domain/errors.js";
import { countChars, cutText, normaliseAndCutMessageText, normaliseMessageText } from "../../src/domain/message-text.js";

describe("normaliseMessageText", () => {
  it("trims, normalises line ends and NFC, drops control characters", () => {
    expect(normaliseMessageText("  ¿Abren\r\nel domingo?\u0007 ", 100)).toBe("¿Abren\nel domingo?");
    expect(normaliseMessageText("cafe\u0301 🍰", 100)).toBe("café 🍰");
  });

  it.each([
    ["", "TEXT_EMPTY"],
    [" \n\t", "TEXT_EMPTY"],
    ["\u0000\u0001", "TEXT_EMPTY"],
    [7, "TEXT_REQUIRED"],
    ["x".repeat(11), "TEXT_TOO_LONG"],
  ])("rejects %j with %s", (input, code) => {
    try {
      normaliseMessageText(input, 10);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).code).toBe(code);
    }
  });
});

describe("message length", () => {
  it("counts code points, not UTF-16 units: an emoji is one character", () => {
    expect(countChars("😀")).toBe(1);
    expect("😀".length).toBe(2);
    expect(countChars("😀".repeat(2001))).toBe(2001);
    expect(countChars("café")).toBe(4);
    // A flag is two code points, a family five (three people joined by two zero-width joiners).
    expect(countChars("🇫🇷")).toBe(2);
    expect(countChars("👨‍👩‍👧")).toBe(5);
  });

  it("accepts 2,001 emoji under a 4,000 limit and refuses 4,001, naming the count a person sees", () => {
    expect(normaliseMessageText("😀".repeat(2001), 4000)).toBe("😀".repeat(2001));
    expect(normaliseMessageText("😀".repeat(4000), 4000)).toBe("😀".repeat(4000));
    try {
      normaliseMessageText("😀".repeat(4001), 4000);
      expect.unreachable();
    } catch (error) {
      expect((error as InputError).code).toBe("TEXT_TOO_LONG");
      expect((error as InputError).message).toBe("text is 4001 characters; the limit is 4000");
    }
  });

  it("cuts between characters as displayed: never half an emoji, a flag or a letter with its accent", () => {
    expect(cutText("😀😀😀", 2)).toBe("😀😀");
    expect(cutText("ab🇫🇷", 3)).toBe("ab");
    expect(cutText("ab👨‍👩‍👧c", 6)).toBe("ab");
    expect(cutText("ab👨‍👩‍👧c", 7)).toBe("ab👨‍👩‍👧");
    expect(cutText("e\u0301e\u0301", 3)).toBe("e\u0301");
    expect(cutText("short", 10)).toBe("short");
    // A single cluster longer than the whole limit is cut between code points, never inside a pair.
    expect(cutText("👨‍👩‍👧", 3)).toBe("👨\u200d👩");
    for (const text of [cutText("😀".repeat(10), 7), cutText("ab👨‍👩‍👧", 4)]) expect(text).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it("cuts platform text that cannot be refused, and says so", () => {
    expect(normaliseAndCutMessageText("😀".repeat(4001), 4000)).toEqual({ text: "😀".repeat(4000), cut: true });
    expect(normaliseAndCutMessageText("hello  world", 6)).toEqual({ text: "hello", cut: true });
    expect(normaliseAndCutMessageText(" hi ", 6)).toEqual({ text: "hi", cut: false });
  });
});
