import { z } from "zod";

export const personaMetaSchema = z.object({
  name: z.string().trim().min(1, "name is required"),
  business: z.string().trim().min(1, "business is required"),
  language: z.string().trim().min(1).default("English"),
  tone: z.string().trim().min(1).default("friendly and brief"),
});

export type PersonaMeta = z.infer<typeof personaMetaSchema>;

/** A persona as the worker uses it: the system prompt plus the settings it was made from. */
export interface PersonaDefinition {
  readonly template: string;
  readonly meta: PersonaMeta;
  readonly systemPrompt: string;
}
