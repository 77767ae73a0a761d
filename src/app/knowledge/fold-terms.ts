// Words that say nothing about which passage answers: English and Spanish function words and
// chat filler. Kept short on purpose: a content word wrongly listed here can never be matched.
const STOP = new Set(
  (
    "a an and are as at be been but by can could do does did for from had has have hi hello how i if in is it its " +
    "me my no not of on or our please so that the their them then there these they this to us was we were what " +
    "when where which who why will with would you your yours thanks thank ok okay hey there's i'm it's " +
    "el la los las un una unos unas y o de del al a en por para con sin que qué es son está están estan esta " +
    "hay se su sus mi mis tu tus yo me te le les lo nos vos usted ustedes como cómo cuando cuándo donde dónde " +
    "cual cuál quien quién muy mas más pero si sí hola gracias buenas buenos dias días tardes favor tienen tiene tengo"
  )
    .split(" ")
    .map(fold),
);

/** Lower case without accents, so "Horário", "horario" and "HORARIO" meet. */
export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
}

/** The words of a text that retrieval indexes and searches for. */
export function contentTerms(text: string): string[] {
  return (fold(text).match(/[\p{L}\p{N}]+/gu) ?? []).filter((t) => !STOP.has(t) && (t.length > 1 || /\d/.test(t))).map(stem);
}

/** A light suffix cut shared by index and query, so "booking"/"book" and "fotos"/"foto" meet. */
function stem(term: string): string {
  if (term.length > 5 && term.endsWith("ing")) return term.slice(0, -3);
  if (term.length > 4 && term.endsWith("ies")) return `${term.slice(0, -3)}y`;
  if (term.length > 4 && term.endsWith("ed")) return term.slice(0, -2);
  if (term.length > 3 && term.endsWith("s") && !term.endsWith("ss")) return term.slice(0, -1);
  return term;
}
