import { z } from "zod";

// A weekly schedule in the business's own time zone: {"mon": [["09:00","18:00"]], "sat": [["22:00","02:00"]]}.
// A day left out or given [] is closed; a range whose end is not after its start runs overnight
// into the next day. null (no schedule) means always open.

export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Day = (typeof DAYS)[number];
export type TimeRange = readonly [start: string, end: string];
export type WeeklyHours = { readonly [D in Day]?: readonly TimeRange[] };

const WEEK = 7 * 1440;

/** "09:30" -> 570; "24:00" -> 1440. */
export function toMinutes(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

const time = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, "must be a time HH:MM from 00:00 to 24:00");
const range = z
  .tuple([time, time])
  .refine(([start]) => start !== "24:00", "a range cannot start at 24:00 (use 00:00 of the next day)")
  .refine(
    ([start, end]) => toMinutes(start) !== toMinutes(end) % 1440 || (start === "00:00" && end === "24:00"),
    "start and end are the same time (for a whole day use 00:00-24:00)",
  );
const day = z.array(range).max(12, "at most 12 ranges a day");

export const weeklyHoursSchema = z
  .strictObject(Object.fromEntries(DAYS.map((d) => [d, day.optional()])) as Record<Day, z.ZodOptional<typeof day>>)
  .superRefine((hours, ctx) => {
    const spans = weekSpans(hours as WeeklyHours);
    const reported = new Set<string>();
    for (const a of spans) {
      for (const b of spans) {
        const later = a.order > b.order;
        if (!later || reported.has(a.name) || a.start >= b.end || b.start >= a.end) continue;
        reported.add(a.name);
        ctx.addIssue({ code: "custom", path: [a.day, a.index], message: `overlaps ${b.name} (${b.label})` });
      }
    }
  });

export type WeeklyHoursInput = z.input<typeof weeklyHoursSchema>;

interface Span {
  readonly day: Day;
  readonly index: number;
  readonly name: string;
  readonly label: string;
  readonly order: number;
  readonly start: number;
  readonly end: number;
}

/** Each range as minutes of the week (Monday 00:00 = 0), overnight ranges past Sunday split at the week's end. */
function weekSpans(hours: WeeklyHours): Span[] {
  const spans: Span[] = [];
  DAYS.forEach((d, dayIndex) => {
    (hours[d] ?? []).forEach(([startText, endText], index) => {
      const base = dayIndex * 1440;
      const start = base + toMinutes(startText);
      const endMinute = toMinutes(endText);
      const end = base + (endMinute > toMinutes(startText) ? endMinute : 1440 + endMinute);
      const common = { day: d, index, name: `${d}[${index}]`, label: `${startText}-${endText}`, order: dayIndex * 100 + index };
      if (end <= WEEK) spans.push({ ...common, start, end });
      else spans.push({ ...common, start, end: WEEK }, { ...common, start: 0, end: end - WEEK });
    });
  });
  return spans;
}

export type ParsedHours = { readonly ok: true; readonly hours: WeeklyHours | null } | { readonly ok: false; readonly errors: readonly string[] };

/** Validates a stored or submitted schedule; errors name the range, e.g. "openingHours.tue[1]: overlaps tue[0] (09:00-13:00)". */
export function parseWeeklyHours(value: unknown, field = "openingHours"): ParsedHours {
  if (value === null || value === undefined) return { ok: true, hours: null };
  const result = weeklyHoursSchema.safeParse(value);
  if (result.success) return { ok: true, hours: result.data as WeeklyHours };
  return { ok: false, errors: result.error.issues.map((i) => `${fieldName(field, i.path)}: ${i.message}`) };
}

/** ["tue", 1, 0] -> "tue[1][0]" after the prefix. */
export function fieldName(prefix: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), prefix);
}
