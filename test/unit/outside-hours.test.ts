import { describe, expect, it } from "vitest";
import { decideOutsideHours } from "../../src/app/turn/outside-hours.js";

const at = (iso: string) => new Date(iso);
const shop = (over: Partial<{ openingHours: unknown; outsideHours: "answer" | "away"; awayMessage: string | null }> = {}) => ({
  timezone: "Europe/Madrid",
  openingHours: { mon: [["09:00", "18:00"]], tue: [["09:00", "18:00"]] },
  outsideHours: "away" as const,
  awayMessage: "Closed, back {opens}.",
  ...over,
});
// Monday 1 June 2026: 09:00-18:00 Madrid (CEST) is 07:00-16:00 UTC.
const mondayNight = at("2026-06-01T20:00:00Z");

describe("what a turn does outside opening hours", () => {
  it("answers as usual when open, or when the business chose to keep answering", () => {
    expect(decideOutsideHours({ business: shop(), awaySentAt: null }, at("2026-06-01T10:00:00Z"))).toEqual({ kind: "answer" });
    expect(decideOutsideHours({ business: shop({ outsideHours: "answer" }), awaySentAt: null }, mondayNight)).toEqual({ kind: "answer" });
    expect(decideOutsideHours({ business: shop({ openingHours: null }), awaySentAt: null }, mondayNight)).toEqual({ kind: "answer" });
  });

  it("sends the away message with the next opening once per closed period", () => {
    expect(decideOutsideHours({ business: shop(), awaySentAt: null }, mondayNight)).toEqual({
      kind: "away",
      text: "Closed, back tomorrow at 09:00.",
    });
    // Sent an hour ago, still closed since: the messages wait for the opening (Tuesday 09:00 Madrid).
    expect(decideOutsideHours({ business: shop(), awaySentAt: at("2026-06-01T19:00:00Z") }, mondayNight)).toEqual({
      kind: "wait",
      opens: at("2026-06-02T07:00:00Z"),
    });
    // Sent the night before; the shop was open on Monday in between: a new closed period.
    expect(decideOutsideHours({ business: shop(), awaySentAt: at("2026-05-31T20:00:00Z") }, mondayNight).kind).toBe("away");
    // Never opens: one away message, then the messages wait for a person.
    const never = shop({ openingHours: {}, awayMessage: null });
    const first = decideOutsideHours({ business: never, awaySentAt: null }, mondayNight);
    expect(first.kind).toBe("away");
    expect((first as { text: string }).text).not.toContain("{opens}");
    expect(decideOutsideHours({ business: never, awaySentAt: at("2026-01-01T00:00:00Z") }, mondayNight)).toEqual({ kind: "wait", opens: null });
  });

  it("answers a console try-it chat started as if open, whatever the hours", () => {
    expect(decideOutsideHours({ business: shop(), awaySentAt: null, tryIt: "open" }, mondayNight)).toEqual({ kind: "answer" });
    expect(decideOutsideHours({ business: shop(), awaySentAt: null, tryIt: "hours" }, mondayNight).kind).toBe("away");
  });

  it("keeps answering, and says why, when the stored schedule is invalid", () => {
    const decision = decideOutsideHours({ business: shop({ openingHours: { mon: [["09:00", "25:00"]] } }), awaySentAt: null }, mondayNight);
    expect(decision).toEqual({ kind: "answer", invalidSchedule: ["openingHours.mon[0][1]: must be a time HH:MM from 00:00 to 24:00"] });
  });
});
