import { foldText } from "./fold-text.js";

export type ReplyLanguage = "en" | "es";

const SPANISH = new Set(["hola", "quiero", "que", "por", "para", "gracias", "donde", "cuando", "cuanto", "cuanta", "eres", "tienes", "puedo", "usted", "el", "los", "las", "una", "es", "esta", "estoy", "mi", "tu", "con", "y", "pero", "buenos", "buenas", "favor", "necesito"]);
const ENGLISH = new Set(["hello", "hi", "the", "you", "what", "is", "are", "do", "i", "can", "how", "please", "thanks", "want", "my", "your", "and", "but", "need", "open", "have", "it", "to"]);

/**
 * The language of the code's own replies (notices, handoffs, safety messages): Spanish when the
 * messages look Spanish, English when they look English, otherwise the persona's language.
 * A word count, not language detection; other languages get the persona's default.
 */
export function replyLanguage(texts: readonly string[], personaLanguage: string): ReplyLanguage {
  const joined = texts.join(" ");
  const fallback: ReplyLanguage = /^(es|spa|espa)/i.test(personaLanguage.trim()) ? "es" : "en";
  if (/[¿¡ñÑ]/.test(joined)) return "es";
  let es = 0;
  let en = 0;
  for (const word of foldText(joined).split(" ")) {
    if (SPANISH.has(word)) es++;
    if (ENGLISH.has(word)) en++;
  }
  return es > en ? "es" : en > es ? "en" : fallback;
}
