import { describe, expect, it } from "vitest";
import { deviceLabel } from "../../src/app/admin/device-label.js";
import { maskPhoneNumbers, previewLine } from "../../src/app/alerts/owner-alerts.js";

describe("what owners read about sessions and alerts", () => {
  it("names a browser and its system, nothing more of the User-Agent", () => {
    expect(
      deviceLabel(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
      ),
    ).toBe("Safari on iPhone");
    expect(deviceLabel("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0")).toBe(
      "Edge on Windows",
    );
    expect(deviceLabel("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")).toBe("Firefox on Linux");
    expect(deviceLabel("curl/8.5.0")).toBe("A browser");
    expect(deviceLabel(undefined)).toBe("Unknown browser");
  });

  it("masks anything that could be a phone number and keeps other numbers", () => {
    expect(maskPhoneNumbers("+34 600 111 222")).toBe("…");
    expect(maskPhoneNumbers("call (612) 345-678 now")).toBe("call … now");
    expect(maskPhoneNumbers("2 cakes for 12.50 at 10:30, order 4412")).toBe("2 cakes for 12.50 at 10:30, order 4412");
  });

  it("makes one short line of the customer's words", () => {
    expect(previewLine("  Hello,\n\nI want   a refund  ")).toBe("Hello, I want a refund");
    const long = previewLine("a".repeat(200));
    expect([...long]).toHaveLength(90);
    expect(long.endsWith("…")).toBe(true);
  });
});
