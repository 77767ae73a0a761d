import { describe, expect, it } from "vitest";
import { chatPageCsp, frameAncestorsFor } from "../../src/adapters/http/chat-page-routes.js";

describe("chat page CSP", () => {
  it("lets a channel's own sites frame the page, on top of the server-wide setting", () => {
    expect(frameAncestorsFor("'none'", [])).toBe("'none'");
    expect(frameAncestorsFor("'none'", ["https://shop.example", "http://localhost:8080"])).toBe("https://shop.example http://localhost:8080");
    expect(frameAncestorsFor("https://partner.example", ["https://shop.example"])).toBe("https://partner.example https://shop.example");
  });

  it("adds only the logo's origin to the images it may load, and never inline script", () => {
    const csp = chatPageCsp("'none'", "https://cdn.shop.example");
    expect(csp).toContain("img-src 'self' https://cdn.shop.example;");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'self';");
    expect(csp).not.toContain("unsafe");
    expect(chatPageCsp("'none'")).toContain("img-src 'self';");
  });
});
