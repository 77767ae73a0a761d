/**
 * An HTTP Retry-After header (RFC 9110 §10.2.3) as a wait in milliseconds, at most `maxMs`:
 * delay-seconds (digits; a decimal fraction is taken too) or an HTTP-date (a date already past is
 * 0). Undefined when absent or unreadable: the caller then waits its own backoff. `now` is the
 * clock in ms since the epoch, for tests.
 */
export function parseRetryAfter(header: string | null | undefined, maxMs: number, now: number = Date.now()): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(value)) ms = Number(value) * 1000;
  else if (/[a-z]/i.test(value)) ms = Date.parse(value) - now;
  // Anything else ("-3", "1.5.3", "1e3") is neither, though Date.parse would make a year of some.
  else return undefined;
  if (Number.isNaN(ms)) return undefined;
  return Math.min(Math.max(ms, 0), maxMs);
}
