import webpush from "web-push";
import { describe, expect, it } from "vitest";
import { type ConfigError, loadConfig } from "../../src/config/index.js";

describe("console and owner-alert settings", () => {
  it("default to 30-day sign-ins, generated VAPID keys and a mailto: subject", () => {
    const config = loadConfig("test", {});
    expect(config.console).toEqual({ sessionTtlMs: 30 * 86_400_000, vapidKeys: undefined, pushSubject: "mailto:owner@parlor.invalid" });
    expect(loadConfig("test", { PUBLIC_BASE_URL: "https://chat.example.com" }).console.pushSubject).toBe("https://chat.example.com");
  });

  it("take a VAPID pair as web-push makes them, both or neither, and a mailto: or https: subject", () => {
    const pair = webpush.generateVAPIDKeys();
    const config = loadConfig("test", {
      WEB_PUSH_VAPID_PUBLIC_KEY: pair.publicKey,
      WEB_PUSH_VAPID_PRIVATE_KEY: pair.privateKey,
      WEB_PUSH_SUBJECT: "mailto:ops@example.com",
      CONSOLE_SESSION_DAYS: "7",
    });
    expect(config.console).toEqual({ sessionTtlMs: 7 * 86_400_000, vapidKeys: pair, pushSubject: "mailto:ops@example.com" });
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig("test", env);
        return "";
      } catch (error) {
        return (error as ConfigError).problems.join("\n");
      }
    };
    expect(problems({ WEB_PUSH_VAPID_PUBLIC_KEY: pair.publicKey })).toContain("set both or neither");
    expect(problems({ WEB_PUSH_VAPID_PUBLIC_KEY: "short", WEB_PUSH_VAPID_PRIVATE_KEY: pair.privateKey })).toContain("WEB_PUSH_VAPID_PUBLIC_KEY");
    expect(problems({ WEB_PUSH_SUBJECT: "http://example.com" })).toContain("WEB_PUSH_SUBJECT");
    expect(problems({ CONSOLE_SESSION_DAYS: "0" })).toContain("CONSOLE_SESSION_DAYS");
  });
});
