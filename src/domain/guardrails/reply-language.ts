import eld from "eld/extrasmall";

export type ReplyLanguage = "en" | "es";

// Our own replies exist in English and Spanish only, so the detector chooses between those two.
const detector = eld.newInstance();
detector.setLanguageSubset(["en", "es"]);

/**
 * The language of the code's own replies (notices, handoffs, safety messages): the one eld's n-gram
 * detector reads reliably in the messages, or the persona's language when it cannot (one word such as
 * "ok", "thanks" or "hola", an emoji: eld reads "Hello" as Spanish).
 */
export function replyLanguage(texts: readonly string[], personaLanguage: string): ReplyLanguage {
  const result = detector.detect(texts.join("\n"));
  if (result.isReliable() && (result.language === "es" || result.language === "en")) return result.language;
  return /^(es|spa|espa)/i.test(personaLanguage.trim()) ? "es" : "en";
}
