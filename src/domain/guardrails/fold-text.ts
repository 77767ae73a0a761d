/**
 * Text reduced for keyword matching: compatibility forms folded (NFKD), accents and case dropped,
 * every run of punctuation or spacing one space. "¿Eres   HUMANO?" -> "eres humano",
 * "I'd like a REFUND!" -> "i d like a refund". Patterns in this folder are written against it.
 */
export function foldText(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/**
 * A whole-word pattern for a phrase written by a person (a trigger, a topic keyword, a blocklist
 * entry), matched against folded text. A trailing * matches word starts: "politic*" finds "politics".
 */
export function phrasePattern(phrase: string): RegExp {
  const prefix = phrase.trim().endsWith("*");
  const words = foldText(phrase).split(" ").filter(Boolean);
  const body = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(" ");
  return new RegExp(`(?:^| )${body}${prefix ? "" : "(?= |$)"}`);
}
