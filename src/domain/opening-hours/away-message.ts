import { addDays, wallTimeAt } from "./zoned-time.js";

/** Sent outside opening hours when the business has not written its own away message. */
export const DEFAULT_AWAY_MESSAGE = "Thanks for your message! We're closed right now. We open again {opens} and will get back to you then.";
const DEFAULT_NEVER_OPENS = "Thanks for your message! We're closed right now; someone from the team will get back to you.";

/** "today at 09:00", "tomorrow at 09:00" or "Monday at 09:00", in the business's time zone. */
export function formatOpening(opens: Date, timeZone: string, now: Date): string {
  const time = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(opens);
  const day = wallTimeAt(opens, timeZone);
  const today = wallTimeAt(now, timeZone);
  const same = (a: { year: number; month: number; day: number }, b: typeof a) => a.year === b.year && a.month === b.month && a.day === b.day;
  if (same(day, today)) return `today at ${time}`;
  if (same(day, addDays(today, 1))) return `tomorrow at ${time}`;
  return `${new Intl.DateTimeFormat("en-GB", { timeZone, weekday: "long" }).format(opens)} at ${time}`;
}

/**
 * The away message with {opens} filled in. With no next opening (a schedule with no open
 * hours) the default text leaves the time out and a custom text gets "later".
 */
export function renderAwayMessage(template: string | null, opens: Date | null, timeZone: string, now: Date): string {
  const text = template?.trim() ? template : opens ? DEFAULT_AWAY_MESSAGE : DEFAULT_NEVER_OPENS;
  return text.replaceAll("{opens}", opens ? formatOpening(opens, timeZone, now) : "later");
}
