import { describe, expect, it } from "vitest";
import { businessSearchQuery, searchQuery } from "../../src/adapters/storage/search-words.js";

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
    expect(searchQuery("a b c d e f g h")!.split(" & ")).toHaveLength(6);
    expect(searchQuery("x".repeat(500))).toBe(`${"x".repeat(40)}:*`);
  });
});

describe("search within a business", () => {
  it("asks the index for the business's own word with the typed ones", () => {
    expect(businessSearchQuery("3FA2C1D4-1111-2222-3333-444455556666", "croiss")).toBe("b3fa2c1d4111122223333444455556666 & croiss:*");
    expect(businessSearchQuery("3fa2c1d4-1111-2222-3333-444455556666", "!!")).toBeNull();
  });
});
