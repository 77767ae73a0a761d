/**
 * What a reply must never say, matched against foldText() output. A floor like INBOUND_PATTERNS:
 * the plain wordings of "I am a person" and "this is really <creator>", English and Spanish.
 */
export const CLAIMS_HUMAN: readonly RegExp[] = [
  /\b(i m|im|i am) (a |an )?(real |actual )?(human|person|human being|real one)\b/,
  /\b(i m|im|i am) not (a |an )?(bot|robot|ai|machine|program|computer|chatbot)\b/,
  /\b(i m|im|i am) (typing|writing|answering|replying)( this| these| to you)?( messages?)? (myself|personally|in person)\b/,
  /(?<!\bno )\b(soy|estoy) (un |una )?(humano|humana|persona( real| de verdad)?|ser humano)\b/,
  /\bno soy (un |una )?(bot|robot|ia|maquina|programa|chatbot)\b/,
  /\b(te escribo|te respondo|escribo) yo (misma|mismo|en persona|personalmente)\b/,
];

/** "This is really Mia", "soy Mia en persona": built per persona from the creator's name. */
export function claimsCreatorPatterns(foldedName: string): RegExp[] {
  const name = foldedName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return [
    new RegExp(`\\b(i m|im|i am|this is|it s|its) (really |actually |truly |the real |personally )${name}\\b(?! s\\b)`),
    new RegExp(`\\b(i m|im|i am|this is|it s|its) (really |actually )?(me|${name}) (in person|myself|personally)\\b`),
    new RegExp(`\\b(soy|habla|te escribe) (de verdad |realmente |la verdadera |el verdadero )${name}\\b`),
    new RegExp(`\\b(soy|habla) (yo |${name} )(en persona|de verdad|personalmente)\\b`),
  ];
}
