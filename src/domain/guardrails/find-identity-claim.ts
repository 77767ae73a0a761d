import type { Persona } from "../personas/persona-schema.js";
import { foldText } from "./fold-text.js";
import { CLAIMS_HUMAN, claimsCreatorPatterns } from "./reply-patterns.js";

/** "claims-human" when a reply says it is a person, "claims-creator" when a fan agent says it is the creator in person. */
export function findIdentityClaim(reply: string, persona: Persona): "claims-human" | "claims-creator" | undefined {
  const folded = foldText(reply);
  if (CLAIMS_HUMAN.some((p) => p.test(folded))) return "claims-human";
  if (persona.settings.kind !== "fan") return undefined;
  const name = foldText(persona.settings.name);
  const names = new Set([name, name.split(" ")[0]!]);
  for (const n of names) if (claimsCreatorPatterns(n).some((p) => p.test(folded))) return "claims-creator";
  return undefined;
}
