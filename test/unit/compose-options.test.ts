import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/index.js";
import { readBusinessSettings, BUSINESS_SETTING_DEFAULTS } from "../../src/domain/business-settings.js";
import { TEST_TIMINGS_VARIABLE, testTimingsFrom } from "../../src/main/compose-options.js";

describe("test timings for processes started from the entry points", () => {
  it("are absent unless the test hook is set, and read as given when it is", () => {
    expect(testTimingsFrom({})).toBeUndefined();
    expect(testTimingsFrom({ [TEST_TIMINGS_VARIABLE]: " " })).toBeUndefined();
    expect(testTimingsFrom({ [TEST_TIMINGS_VARIABLE]: '{"stalledCheckMs":1000,"busyRetryMs":50}' })).toEqual({
      stalledCheckMs: 1000,
      busyRetryMs: 50,
    });
  });

  it("stop the process on a malformed hook, naming what is wrong", () => {
    const problems = (value: string) => {
      try {
        testTimingsFrom({ [TEST_TIMINGS_VARIABLE]: value });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).problems.join("\n");
      }
      throw new Error("accepted");
    };
    expect(problems("{nope")).toContain("not JSON");
    expect(problems('{"stalledCheckMs":10}')).toContain(`${TEST_TIMINGS_VARIABLE}.stalledCheckMs`);
    expect(problems('{"replyMaxTokens":8}')).toContain(TEST_TIMINGS_VARIABLE);
  });
});

describe("a business's stored settings", () => {
  it("fill what is missing, or not valid, with the defaults", () => {
    expect(readBusinessSettings(null)).toEqual(BUSINESS_SETTING_DEFAULTS);
    expect(readBusinessSettings([1, 2])).toEqual(BUSINESS_SETTING_DEFAULTS);
    expect(readBusinessSettings({ replyMaxTokens: 12, temperature: "hot", turnDebounceMs: 5.5, nonTextReply: "  ", unknown: 1 })).toEqual({
      ...BUSINESS_SETTING_DEFAULTS,
      replyMaxTokens: 12,
    });
  });
});
