import { DAYS, toMinutes, type WeeklyHours } from "./weekly-hours-schema.js";
import { addDays, instantAt, wallTimeAt, weekdayOf, type LocalDate } from "./zoned-time.js";

// When a business is open, from its weekly schedule and time zone. Every range is turned into
// real instants (DST-correct through Intl), and both questions are answered from those.

interface Occurrence {
  readonly start: Date;
  readonly end: Date;
}

/** The schedule's ranges that begin on a local date, as instants. */
function occurrencesOn(hours: WeeklyHours, timeZone: string, date: LocalDate): Occurrence[] {
  return (hours[DAYS[weekdayOf(date)]!] ?? []).map(([startText, endText]) => {
    const start = toMinutes(startText);
    const end = toMinutes(endText);
    const endDate = end > start ? date : addDays(date, 1);
    return { start: instantAt(date, start, timeZone), end: instantAt(endDate, end, timeZone) };
  });
}

function occurrencesAround(hours: WeeklyHours, timeZone: string, date: Date, daysBefore: number, daysAfter: number): Occurrence[] {
  const today = wallTimeAt(date, timeZone);
  const out: Occurrence[] = [];
  for (let k = -daysBefore; k <= daysAfter; k++) out.push(...occurrencesOn(hours, timeZone, addDays(today, k)));
  return out;
}

const WEEK_MS = 7 * 86_400_000;
const covers = (o: Occurrence, t: number) => o.start.getTime() <= t && t < o.end.getTime();

/** Whether the business is open at `date`. null hours: always open. */
export function isOpenAt(hours: WeeklyHours | null, timeZone: string, date: Date): boolean {
  if (hours === null) return true;
  const t = date.getTime();
  return occurrencesAround(hours, timeZone, date, 1, 0).some((o) => covers(o, t));
}

/**
 * The next moment after `date` at which the business opens (goes from closed to open), or null
 * when it never does: always open (null hours) or never open (no ranges).
 */
export function nextOpeningAfter(hours: WeeklyHours | null, timeZone: string, date: Date): Date | null {
  if (hours === null) return null;
  const t = date.getTime();
  const all = occurrencesAround(hours, timeZone, date, 1, 8);
  const starts = all
    .map((o) => o.start.getTime())
    .filter((s) => s > t)
    .sort((x, y) => x - y);
  // A range that starts where another ends (or inside it) is no opening: the business was open already.
  for (const s of starts) if (!all.some((o) => o.start.getTime() < s && s <= o.end.getTime())) return new Date(s);
  return null;
}

/** When the business closes next after `date` while open, or null when it never closes. */
export function nextClosingAfter(hours: WeeklyHours | null, timeZone: string, date: Date): Date | null {
  if (hours === null) return null;
  const all = occurrencesAround(hours, timeZone, date, 1, 8);
  const from = date.getTime();
  let t = from;
  // Follow touching or overlapping ranges to the end of the open stretch; one longer than a week never ends.
  while (t - from <= WEEK_MS) {
    const ends = all.filter((o) => covers(o, t)).map((o) => o.end.getTime());
    if (ends.length === 0) return t === from ? null : new Date(t);
    t = Math.max(...ends);
  }
  return null;
}
