import { parsePersonaFile } from "../src/domain/personas/persona-file.js";
import type { Persona } from "../src/domain/personas/persona-schema.js";

export const SUPPORT_FRONT_MATTER = `kind: support
name: Rosa
business: Sunrise Bakery
facts:
  hours: "Tuesday to Saturday 7:00-18:00, Sunday 8:00-13:00"
  bread: "sourdough loaf 5.50, baguette 2.80"
  cakes: "whole cakes from 28.00"
rules:
  - Answer in one to three short sentences.
handoff:
  triggers: [human, refund, complaint, wholesale]
blocklist: [Crusty Corner]
owner: { channel: whatsapp_cloud, to: owner-phone }`;

export const FAN_FRONT_MATTER = `kind: fan
name: Mia
business: Mia Bakes
facts:
  uploads: "every Thursday at 17:00"
  cookbook: "24.99"
handoff:
  triggers: [sponsorship]
disclosure: "Hi! I'm Mia's AI assistant, not Mia herself."
limits:
  dailyMessagesPerFan: 3
  floodMessagesPerMinute: 5
  maxReplyChars: 120
  blockedTopics:
    - politics
    - topic: family
      keywords: [your kids, tus hijos]
owner: { channel: admin, to: mia-team }`;

const BODY = "You chat with people in a friendly way about baking and nothing else at all.";

/** A persona parsed from front matter text the way a file would be. */
export function personaFrom(frontMatter: string, body = BODY, file = "prompts/test-persona.md"): Persona {
  return parsePersonaFile(`---\n${frontMatter}\n---\n${body}\n`, file);
}

export const supportPersona = (): Persona => personaFrom(SUPPORT_FRONT_MATTER, BODY, "prompts/test-support.md");
export const fanPersona = (): Persona => personaFrom(FAN_FRONT_MATTER, BODY, "prompts/test-fan.md");
