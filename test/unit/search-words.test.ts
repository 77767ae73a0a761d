import { describe, expect, it } from "vitest";
import { searchQuery } from "../../src/storage/search-words.js";

describe("inbox search words", () => {
  it("needs every word, the last one as a prefix", () => {
    expect(searchQuery("croiss")).toBe("croiss:*");
    expect(searchQuery("Birthday CAKE")).toBe("birthday & cake:*");
    expect(searchQuery("cumpleaños tarta")).toBe("cumpleaños & tarta:*");
  });

  it("lets no query syntax through, and gives up on text with no words", () => {
    expect(searchQuery("croiss:* | !rye & (bread)")).toBe("croiss & rye & bread:*");
    expect(searchQuery("'; drop table --")).toBe("drop & table:*");
    expect(searchQuery(" !&|:*() ")).toBeNull();
  });

  it("keeps the query bounded", () => {
    expect(searchQuery("a b c d e f g h").split(" & ")).toHaveLength(6);
    expect(searchQuery("x".repeat(500))).toBe(`${"x".repeat(40)}:*`);
  });
});
