import { describe, expect, it } from "vitest";
import { InputError } from "../../src/domain/errors.js";
import { normaliseMessageText } from "../../src/domain/message-text.js";

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
