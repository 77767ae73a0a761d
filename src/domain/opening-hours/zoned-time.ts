// Wall-clock time in an IANA time zone, through Intl only (the runtime's tz database).

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(value: string): boolean {
  try {
    formatter(value);
    return true;
  } catch {
    return false;
  }
}

/** A calendar date; month 1-12. */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

export interface WallTime extends LocalDate {
  /** Minutes since local midnight, 0-1439. */
  readonly minute: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** The wall-clock date and minute at `date` in `timeZone` (seconds dropped). */
export function wallTimeAt(date: Date, timeZone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(date)) if (p.type !== "literal") parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, minute: parts.hour! * 60 + parts.minute! };
}

/** The wall time as if it were UTC, in ms: comparable across instants of one zone. */
function wallMs(date: Date, timeZone: string): number {
  const w = wallTimeAt(date, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day) + w.minute * MINUTE;
}

/** The date `days` after `date` (negative: before). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** 0 = Monday ... 6 = Sunday. */
export function weekdayOf(date: LocalDate): number {
  return (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7;
}

/**
 * The first instant whose wall time in `timeZone` is at or after `minute` minutes into `date`
 * (minute may be 1440: the next midnight). A time that occurs twice (clocks go back) gives the
 * earlier one; a time the clocks skip (clocks go forward) gives the moment they jump past it.
 */
export function instantAt(date: LocalDate, minute: number, timeZone: string): Date {
  const local = Date.UTC(date.year, date.month - 1, date.day) + minute * MINUTE;
  // Offsets a day either side: a zone changes its offset at most once in between.
  const offsets = [...new Set([local - DAY, local + DAY].map((t) => wallMs(new Date(t), timeZone) - floorMinute(t)))];
  const exact = offsets.map((o) => local - o).filter((t) => wallMs(new Date(t), timeZone) === local);
  if (exact.length > 0) return new Date(Math.min(...exact));
  // Skipped: search the instants between the two readings for the first one past `local`.
  let lo = Math.min(...offsets.map((o) => local - o));
  let hi = Math.max(...offsets.map((o) => local - o));
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
    if (wallMs(new Date(mid), timeZone) >= local) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

function floorMinute(t: number): number {
  return Math.floor(t / MINUTE) * MINUTE;
}
