import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DAYS,
  isOpenAt,
  nextClosingAfter,
  nextOpeningAfter,
  parseWeeklyHours,
  renderAwayMessage,
  type WeeklyHours,
} from "../../src/domain/opening-hours/index.js";

const at = (iso: string) => new Date(iso);
const weekdays = (range: [string, string]): WeeklyHours => ({ mon: [range], tue: [range], wed: [range], thu: [range], fri: [range] });

describe("weekly schedule validation", () => {
  it("accepts days left out, empty days, several ranges, overnight ranges and 00:00-24:00", () => {
    const result = parseWeeklyHours({
      mon: [
        ["09:00", "13:00"],
        ["16:00", "20:00"],
      ],
      tue: [],
      fri: [["22:00", "02:00"]],
      sun: [["00:00", "24:00"]],
    });
    expect(result).toEqual({
      ok: true,
      hours: {
        mon: [
          ["09:00", "13:00"],
          ["16:00", "20:00"],
        ],
        tue: [],
        fri: [["22:00", "02:00"]],
        sun: [["00:00", "24:00"]],
      },
    });
    expect(parseWeeklyHours(null)).toEqual({ ok: true, hours: null });
  });

  it("names the range that overlaps another, on the same day and across midnight", () => {
    expect(
      parseWeeklyHours({
        tue: [
          ["09:00", "13:00"],
          ["12:00", "15:00"],
        ],
      }),
    ).toEqual({ ok: false, errors: ["openingHours.tue[1]: overlaps tue[0] (09:00-13:00)"] });
    expect(parseWeeklyHours({ mon: [["22:00", "02:00"]], tue: [["01:00", "05:00"]] })).toEqual({
      ok: false,
      errors: ["openingHours.tue[0]: overlaps mon[0] (22:00-02:00)"],
    });
    // Sunday night runs into Monday morning.
    expect(parseWeeklyHours({ mon: [["01:00", "03:00"]], sun: [["23:00", "02:00"]] })).toEqual({
      ok: false,
      errors: ["openingHours.sun[0]: overlaps mon[0] (01:00-03:00)"],
    });
    // Touching is not overlapping.
    expect(
      parseWeeklyHours({
        mon: [
          ["09:00", "12:00"],
          ["12:00", "14:00"],
        ],
      }).ok,
    ).toBe(true);
  });

  it("rejects malformed times, empty ranges, unknown days and wrong shapes, naming each field", () => {
    const errors = (value: unknown) => (parseWeeklyHours(value) as { errors: readonly string[] }).errors;
    expect(errors({ mon: [["9:00", "18:00"]] })).toEqual(["openingHours.mon[0][0]: must be a time HH:MM from 00:00 to 24:00"]);
    expect(errors({ mon: [["09:00", "25:00"]] })).toEqual(["openingHours.mon[0][1]: must be a time HH:MM from 00:00 to 24:00"]);
    expect(errors({ wed: [["10:00", "10:00"]] })[0]).toMatch(/^openingHours\.wed\[0\]: start and end are the same time/);
    expect(errors({ wed: [["24:00", "02:00"]] })[0]).toMatch(/^openingHours\.wed\[0\]: a range cannot start at 24:00/);
    expect(errors({ monday: [] })[0]).toMatch(/^openingHours: Unrecognized key/);
    expect(errors({ mon: [["09:00"]] })[0]).toMatch(/^openingHours\.mon\[0\]/);
    expect(errors({ mon: "09:00-18:00" })[0]).toMatch(/^openingHours\.mon:/);
    expect(errors([])[0]).toMatch(/^openingHours:/);
  });
});

describe("open or closed", () => {
  it("null hours are always open; a schedule with no ranges is never open", () => {
    expect(isOpenAt(null, "Europe/Madrid", at("2026-03-29T01:30:00Z"))).toBe(true);
    expect(nextOpeningAfter(null, "Europe/Madrid", at("2026-03-29T01:30:00Z"))).toBeNull();
    const never: WeeklyHours = { mon: [], sun: [] };
    expect(isOpenAt(never, "UTC", at("2026-06-01T12:00:00Z"))).toBe(false);
    expect(nextOpeningAfter(never, "UTC", at("2026-06-01T12:00:00Z"))).toBeNull();
    expect(isOpenAt({}, "UTC", at("2026-06-01T12:00:00Z"))).toBe(false);
  });

  it("Europe/Madrid: the same 09:00 is 08:00 UTC before the spring change and 07:00 UTC after it", () => {
    const hours = weekdays(["09:00", "18:00"]);
    expect(isOpenAt(hours, "Europe/Madrid", at("2026-03-27T07:59:00Z"))).toBe(false); // Fri 08:59 CET
    expect(isOpenAt(hours, "Europe/Madrid", at("2026-03-27T08:00:00Z"))).toBe(true); // Fri 09:00 CET
    expect(isOpenAt(hours, "Europe/Madrid", at("2026-03-27T16:59:00Z"))).toBe(true); // Fri 17:59 CET
    expect(isOpenAt(hours, "Europe/Madrid", at("2026-03-27T17:00:00Z"))).toBe(false); // Fri 18:00 CET
    expect(nextOpeningAfter(hours, "Europe/Madrid", at("2026-03-27T17:00:00Z"))).toEqual(at("2026-03-30T07:00:00Z")); // Mon 09:00 CEST
    expect(isOpenAt(hours, "Europe/Madrid", at("2026-03-30T07:00:00Z"))).toBe(true);
    expect(isOpenAt(hours, "Europe/Madrid", at("2026-03-30T06:59:00Z"))).toBe(false);
    // Autumn: back to 08:00 UTC.
    expect(nextOpeningAfter(hours, "Europe/Madrid", at("2026-10-23T17:00:00Z"))).toEqual(at("2026-10-26T08:00:00Z"));
  });

  it("Europe/Madrid: an opening inside the skipped spring hour opens when the clocks jump (03:00 CEST)", () => {
    const hours: WeeklyHours = { sun: [["02:30", "05:00"]] };
    expect(nextOpeningAfter(hours, "Europe/Madrid", at("2026-03-28T12:00:00Z"))).toEqual(at("2026-03-29T01:00:00Z"));
    expect(isOpenAt(hours, "Europe/Madrid", at("2026-03-29T00:59:00Z"))).toBe(false); // 01:59 CET
    expect(isOpenAt(hours, "Europe/Madrid", at("2026-03-29T01:00:00Z"))).toBe(true); // 03:00 CEST
    expect(nextClosingAfter(hours, "Europe/Madrid", at("2026-03-29T01:00:00Z"))).toEqual(at("2026-03-29T03:00:00Z")); // 05:00 CEST
  });

  it("America/New_York: spring forward moves the opening an hour earlier in UTC; the repeated autumn hour counts once", () => {
    const hours = weekdays(["09:00", "17:00"]);
    expect(nextOpeningAfter(hours, "America/New_York", at("2026-03-06T23:00:00Z"))).toEqual(at("2026-03-09T13:00:00Z")); // Mon 09:00 EDT
    expect(nextOpeningAfter(hours, "America/New_York", at("2026-03-02T00:00:00Z"))).toEqual(at("2026-03-02T14:00:00Z")); // Mon 09:00 EST
    // Sunday 1 November 2026: 01:00-01:59 happens twice; a range ending 01:30 ends at the first 01:30.
    const early: WeeklyHours = { sun: [["01:00", "01:30"]] };
    expect(isOpenAt(early, "America/New_York", at("2026-11-01T05:15:00Z"))).toBe(true); // 01:15 EDT
    expect(isOpenAt(early, "America/New_York", at("2026-11-01T05:45:00Z"))).toBe(false); // 01:45 EDT
    expect(isOpenAt(early, "America/New_York", at("2026-11-01T06:15:00Z"))).toBe(false); // 01:15 EST
    // Saturday night until 02:00 on the night the clocks go back lasts five hours.
    const late: WeeklyHours = { sat: [["22:00", "02:00"]] };
    expect(isOpenAt(late, "America/New_York", at("2026-11-01T02:00:00Z"))).toBe(true); // Sat 22:00 EDT
    expect(isOpenAt(late, "America/New_York", at("2026-11-01T06:59:00Z"))).toBe(true); // Sun 01:59 EST
    expect(isOpenAt(late, "America/New_York", at("2026-11-01T07:00:00Z"))).toBe(false); // Sun 02:00 EST
  });

  it("overnight ranges run into the next day, Sunday's into Monday", () => {
    const hours: WeeklyHours = { fri: [["22:00", "02:00"]], sun: [["23:00", "01:00"]] };
    expect(isOpenAt(hours, "UTC", at("2026-06-06T01:59:00Z"))).toBe(true); // Sat 01:59
    expect(isOpenAt(hours, "UTC", at("2026-06-06T02:00:00Z"))).toBe(false);
    expect(isOpenAt(hours, "UTC", at("2026-06-08T00:30:00Z"))).toBe(true); // Mon 00:30
    expect(nextOpeningAfter(hours, "UTC", at("2026-06-06T02:00:00Z"))).toEqual(at("2026-06-07T23:00:00Z"));
    expect(nextClosingAfter(hours, "UTC", at("2026-06-05T23:00:00Z"))).toEqual(at("2026-06-06T02:00:00Z"));
  });

  it("open round the clock every day: never opens or closes", () => {
    const hours = Object.fromEntries(DAYS.map((d) => [d, [["00:00", "24:00"]]])) as WeeklyHours;
    expect(isOpenAt(hours, "Europe/Madrid", at("2026-03-29T01:30:00Z"))).toBe(true);
    expect(nextOpeningAfter(hours, "Europe/Madrid", at("2026-03-29T01:30:00Z"))).toBeNull();
    expect(nextClosingAfter(hours, "Europe/Madrid", at("2026-03-29T01:30:00Z"))).toBeNull();
  });

  it("touching ranges are one open stretch: no opening at the seam", () => {
    const hours: WeeklyHours = {
      mon: [["20:00", "24:00"]],
      tue: [
        ["00:00", "03:00"],
        ["09:00", "10:00"],
      ],
    };
    expect(nextOpeningAfter(hours, "UTC", at("2026-06-01T21:00:00Z"))).toEqual(at("2026-06-02T09:00:00Z"));
    expect(nextClosingAfter(hours, "UTC", at("2026-06-01T21:00:00Z"))).toEqual(at("2026-06-02T03:00:00Z"));
  });
});

describe("away message", () => {
  const now = at("2026-06-05T20:00:00Z"); // Friday 22:00 in Madrid
  it("fills {opens} in the business's time zone, and has a default text", () => {
    expect(renderAwayMessage("Closed, back {opens}.", at("2026-06-08T07:00:00Z"), "Europe/Madrid", now)).toBe("Closed, back Monday at 09:00.");
    expect(renderAwayMessage("Back {opens}", at("2026-06-06T08:00:00Z"), "Europe/Madrid", now)).toBe("Back tomorrow at 10:00");
    expect(renderAwayMessage(null, at("2026-06-05T20:30:00Z"), "Europe/Madrid", now)).toContain("We open again today at 22:30");
    expect(renderAwayMessage(null, null, "Europe/Madrid", now)).not.toContain("{opens}");
    expect(renderAwayMessage("Back {opens}", null, "Europe/Madrid", now)).toBe("Back later");
  });
});

// ---- properties ----

const ZONES = ["UTC", "Europe/Madrid", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Auckland", "America/Sao_Paulo"];
const time = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45))
  .map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`);
const range = fc.tuple(time, fc.oneof(time, fc.constant("24:00"))).filter(([a, b]) => a !== b && !(b === "00:00" && a === "00:00"));
const schedule = fc.record(Object.fromEntries(DAYS.map((d) => [d, fc.array(range, { maxLength: 3 })])), {
  requiredKeys: [],
}) as fc.Arbitrary<WeeklyHours>;
const instant = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2028, 0, 1) }).map((ms) => new Date(Math.floor(ms / 60_000) * 60_000));
const valid = schedule
  .map((s) => parseWeeklyHours(s))
  .filter((r): r is { ok: true; hours: WeeklyHours } => r.ok && r.hours !== null)
  .map((r) => r.hours);

/** How many ranges cover each minute of the week (Monday 00:00 = 0), by brute force. */
function coverage(hours: WeeklyHours): number[] {
  const counts = new Array<number>(7 * 1440).fill(0);
  DAYS.forEach((d, i) => {
    for (const [a, b] of hours[d] ?? []) {
      const start = Number(a.slice(0, 2)) * 60 + Number(a.slice(3));
      let end = Number(b.slice(0, 2)) * 60 + Number(b.slice(3));
      if (end <= start) end += 1440;
      for (let m = start; m < end; m++) counts[(i * 1440 + m) % (7 * 1440)]!++;
    }
  });
  return counts;
}

describe("properties", () => {
  it("a schedule is accepted exactly when no minute of the week is covered twice", () => {
    fc.assert(
      fc.property(schedule, (s) => {
        const result = parseWeeklyHours(s);
        expect(result.ok).toBe(coverage(s).every((c) => c <= 1));
      }),
      { numRuns: 300 },
    );
  });

  it("the next opening is after the moment, open, and follows a closed minute; nothing opens in between", () => {
    fc.assert(
      fc.property(valid, fc.constantFrom(...ZONES), instant, (hours, zone, date) => {
        const next = nextOpeningAfter(hours, zone, date);
        const anyOpen = coverage(hours).some((c) => c > 0);
        if (!anyOpen) {
          expect(next).toBeNull();
          return;
        }
        if (coverage(hours).every((c) => c > 0)) return; // open all week: may never "open"
        expect(next).not.toBeNull();
        expect(next!.getTime()).toBeGreaterThan(date.getTime());
        expect(next!.getTime() - date.getTime()).toBeLessThanOrEqual(8 * 86_400_000);
        expect(isOpenAt(hours, zone, next!)).toBe(true);
        expect(isOpenAt(hours, zone, new Date(next!.getTime() - 60_000))).toBe(false);
        if (!isOpenAt(hours, zone, date)) {
          // Closed from `date` until `next`: sample the stretch.
          for (let k = 1; k < 6; k++) {
            const t = date.getTime() + Math.floor(((next!.getTime() - date.getTime()) * k) / 6 / 60_000) * 60_000;
            if (t < next!.getTime()) expect(isOpenAt(hours, zone, new Date(t))).toBe(false);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("while open, the business closes at a later moment and is closed then", () => {
    fc.assert(
      fc.property(valid, fc.constantFrom(...ZONES), instant, (hours, zone, date) => {
        if (!isOpenAt(hours, zone, date)) return;
        const closes = nextClosingAfter(hours, zone, date);
        if (closes === null) {
          expect(coverage(hours).every((c) => c > 0)).toBe(true);
          return;
        }
        expect(closes.getTime()).toBeGreaterThan(date.getTime());
        expect(isOpenAt(hours, zone, closes)).toBe(false);
        expect(isOpenAt(hours, zone, new Date(closes.getTime() - 60_000))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("in UTC, open exactly when the brute-force week says so", () => {
    fc.assert(
      fc.property(valid, instant, (hours, date) => {
        const minuteOfWeek = ((date.getUTCDay() + 6) % 7) * 1440 + date.getUTCHours() * 60 + date.getUTCMinutes();
        expect(isOpenAt(hours, "UTC", date)).toBe(coverage(hours)[minuteOfWeek]! > 0);
      }),
      { numRuns: 300 },
    );
  });
});
