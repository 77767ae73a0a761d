import type { PersonaV2 } from "../personas/persona-schema.js";
import { foldText } from "./fold-text.js";
import { CLAIMS_HUMAN, claimsCreatorPatterns } from "./reply-patterns.js";

/** "claims-human" when a reply says it is a person, "claims-creator" when a fan agent says it is the creator in person. */
export function findIdentityClaim(reply: string, persona: PersonaV2): "claims-human" | "claims-creator" | undefined {
  const folded = foldText(reply);
  if (CLAIMS_HUMAN.some((p) => p.test(folded))) return "claims-human";
  if (persona.meta.kind !== "fan") return undefined;
  const name = foldText(persona.meta.name);
  const names = new Set([name, name.split(" ")[0]!]);
  for (const n of names) if (claimsCreatorPatterns(n).some((p) => p.test(folded))) return "claims-creator";
  return undefined;
}
