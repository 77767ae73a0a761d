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
  /**
   * A v2 persona file (front matter with `kind: support | fan`): its settings, which the code
   * enforces around the model (guardrails). Absent for v1 files, which only set the prompt.
   */
  readonly v2?: { readonly meta: unknown; readonly body: string };
}
