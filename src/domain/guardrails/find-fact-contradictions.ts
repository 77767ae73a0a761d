// Prices and clock times, each read as a number of hundredths: "5.50", "5,50" and "€5.50" are 550,
// "€28" and "28 euros" are 2800, "18:00", "18h00" and "6 pm" are 1800. A time and a price may share
// a number (5:50 and 5.50); for a floor that only has to catch invented figures, that is fine.
const DECIMAL = /(?<![\d.,:])(\d{1,5})[.,:h](\d{2})(?!\d)(?:\s?([ap])\.?\s?m\b\.?)?/giu;
const HOUR_AM_PM = /(?<![\d.,:])(\d{1,2})\s?([ap])\.?\s?m\b\.?/giu;
const CURRENCY_BEFORE = /[€$£]\s?(\d{1,5})(?![\d.,]\d)/gu;
const CURRENCY_AFTER = /(?<![\d.,:])(\d{1,5})\s?(?:€|eur(?:os?)?\b|usd\b|dollars?\b|pesos?\b|pounds?\b)/giu;

interface Figure {
  readonly text: string;
  readonly value: number;
}

/**
 * Prices and times in a reply that are not among the `known` ones (figureValues of what the owner
 * wrote: facts, voice, knowledge base): what the model invented. Returns them as written ("9.99",
 * "6 pm"); an empty list means nothing contradicts what the owner wrote.
 */
export function findFactContradictions(reply: string, known: ReadonlySet<number>): string[] {
  const invented = figures(reply).filter((f) => !known.has(f.value));
  return [...new Set(invented.map((f) => f.text.trim()))];
}

/** The prices and times a text holds, as hundredths (see above). */
export function figureValues(text: string): Set<number> {
  return new Set(figures(text).map((f) => f.value));
}

function figures(text: string): Figure[] {
  const out: Figure[] = [];
  for (const m of text.matchAll(DECIMAL)) out.push({ text: m[0], value: hour24(Number(m[1]), m[3]) * 100 + Number(m[2]) });
  for (const m of text.matchAll(HOUR_AM_PM)) out.push({ text: m[0], value: hour24(Number(m[1]), m[2]) * 100 });
  for (const m of text.matchAll(CURRENCY_BEFORE)) out.push({ text: m[0], value: Number(m[1]) * 100 });
  for (const m of text.matchAll(CURRENCY_AFTER)) out.push({ text: m[0], value: Number(m[1]) * 100 });
  return out;
}

function hour24(hour: number, amPm: string | undefined): number {
  if (!amPm) return hour;
  const pm = amPm.toLowerCase() === "p";
  return hour === 12 ? (pm ? 12 : 0) : pm ? hour + 12 : hour;
}
