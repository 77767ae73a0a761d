import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "../../src/domain/retry-after.js";

const NOW = Date.parse("2026-12-03T08:00:00Z");
const MAX = 30_000;

describe("parseRetryAfter", () => {
  it("reads delay-seconds, with a fraction or surrounding spaces", () => {
    expect(parseRetryAfter("3", MAX, NOW)).toBe(3000);
    expect(parseRetryAfter("0", MAX, NOW)).toBe(0);
    expect(parseRetryAfter(" 2 ", MAX, NOW)).toBe(2000);
    expect(parseRetryAfter("1.5", MAX, NOW)).toBe(1500);
  });

  it("reads an HTTP-date against the given clock, in each of the three formats RFC 9110 names", () => {
    expect(parseRetryAfter("Thu, 03 Dec 2026 08:00:06 GMT", MAX, NOW)).toBe(6000);
    expect(parseRetryAfter("Thursday, 03-Dec-26 08:00:07 GMT", MAX, NOW)).toBe(7000);
    expect(parseRetryAfter("Thu Dec  3 08:00:08 2026", MAX, Date.parse("2026-12-03T08:00:00"))).toBe(8000);
    expect(parseRetryAfter(new Date(NOW + 12_345).toUTCString(), MAX, NOW)).toBe(12_000);
  });

  it("reads a date already past as no wait", () => {
    expect(parseRetryAfter("Thu, 03 Dec 2026 07:59:00 GMT", MAX, NOW)).toBe(0);
    expect(parseRetryAfter(new Date(0).toUTCString(), MAX, NOW)).toBe(0);
  });

  it("bounds huge waits: many seconds, a number too large for a double, a far date", () => {
    expect(parseRetryAfter("3600", MAX, NOW)).toBe(MAX);
    expect(parseRetryAfter("3600", 24 * 3_600_000, NOW)).toBe(3_600_000);
    expect(parseRetryAfter("99999999999999999999999", MAX, NOW)).toBe(MAX);
    expect(parseRetryAfter("9".repeat(400), MAX, NOW)).toBe(MAX);
    expect(parseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", MAX, NOW)).toBe(MAX);
  });

  it("is undefined when absent or unreadable, so the caller keeps its own backoff", () => {
    for (const value of [null, undefined, "", "  ", "soon", "-3", "+3", "1.5.3", "1e3", "0x10", "3s", "Thu, 99 Foo 2026", "NaN", "Infinity"]) {
      expect(parseRetryAfter(value, MAX, NOW), String(value)).toBeUndefined();
    }
  });

  it("uses the real clock when none is given", () => {
    const wait = parseRetryAfter(new Date(Date.now() + 10_000).toUTCString(), MAX);
    expect(wait).toBeGreaterThan(8000);
    expect(wait).toBeLessThanOrEqual(10_000);
  });
});
