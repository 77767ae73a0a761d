import type { Persona } from "../personas/persona-schema.js";
import { foldText } from "./fold-text.js";
import { disclosureLine } from "./policy-replies.js";
import type { ReplyLanguage } from "./reply-language.js";

// "I'm Mia's AI assistant", "soy la IA de Mia", "this is an AI"; a "not"/"no" around it does not count.
const AI_SELF_REFERENCE =
  /(?<!\bno )\b(i m|im|i am|this is|soy|es|habla|te escribe) (?:(?!not |no )\S+ ){0,4}(ai|a i|bot|chatbot|robot|ia|inteligencia artificial|artificial intelligence|virtual assistant|asistente virtual)\b/;

/** Whether a text tells the reader it comes from an AI: the persona's disclosure line (either language) or a plain "I'm an AI". */
export function disclosesAi(text: string, persona: Persona): boolean {
  const folded = foldText(text);
  const lines = (["en", "es"] as const).map((language) => foldText(disclosureLine(persona, language)));
  return lines.some((line) => folded.includes(line)) || AI_SELF_REFERENCE.test(folded);
}

/** The text, with the disclosure line put first when the text does not already disclose. */
export function withDisclosure(text: string, persona: Persona, language: ReplyLanguage): string {
  return disclosesAi(text, persona) ? text : `${disclosureLine(persona, language)}\n${text}`;
}
