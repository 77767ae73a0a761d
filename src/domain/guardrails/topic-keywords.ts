/**
 * Keywords for blocked-topic names a creator is likely to write, English and Spanish, in the
 * phrasePattern() syntax (a trailing * matches word starts). A topic named here matches these
 * words as well as its own name; any other name matches only itself, or the keywords the persona
 * lists for it. A floor, like INBOUND_PATTERNS: plain wordings only.
 */
export const TOPIC_KEYWORDS: Readonly<Record<string, readonly string[]>> = {
  politics: ["politic*", "election*", "vote", "voting", "president", "government", "polític*", "eleccion*", "votar", "presidente", "gobierno"],
  religion: ["religio*", "god", "church", "religió*", "dios", "iglesia"],
  relationships: [
    "boyfriend",
    "girlfriend",
    "husband",
    "wife",
    "dating",
    "married",
    "novio",
    "novia",
    "marido",
    "esposa",
    "pareja",
    "casada",
    "casado",
  ],
  dating: ["boyfriend", "girlfriend", "dating", "single", "novio", "novia", "soltera", "soltero", "salir conmigo"],
  address: ["address", "where do you live", "where you live", "home address", "dirección", "donde vives", "dónde vives"],
  location: ["where do you live", "where you live", "what city", "donde vives", "dónde vives", "en que ciudad"],
  medical: ["doctor", "medicine", "diagnos*", "prescription", "médico", "medicina", "pastillas", "receta médica"],
  money: ["invest*", "crypto*", "bitcoin", "stocks", "loan", "invertir", "inversión", "cripto*", "préstamo"],
};
