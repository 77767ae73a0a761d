import { BUSINESS_SETTING_DEFAULTS } from "../../../../domain/business-settings.js";
import { z } from "zod";
import type { PersonaRecord, PersonaVersionRecord } from "../../../../ports/admin/persona-store.js";
import { personaSchema } from "../../../../domain/personas/persona-schema.js";
import { renderSystemPrompt } from "../../../../domain/personas/render-persona.js";
import type { AdminApiDeps } from "../admin-deps.js";
import { id, iso, isoTime, label } from "../schemas.js";

/** Largest persona file accepted for import, before it is parsed; the token budget is the real limit. */
export const MAX_PERSONA_FILE_CHARS = 200_000;

/** A persona in a request: its fields, or a persona file (markdown with front matter) to import. */
export const personaPayload = {
  persona: personaSchema
    .optional()
    .describe("The whole persona: settings (kind, facts, rules, handoff, disclosure, limits, blocklist, owner, replies...) and voice"),
  markdown: z.string().max(MAX_PERSONA_FILE_CHARS).optional().describe("Instead of persona: a persona file (YAML front matter + voice), as exported"),
  confirmWeakenings: z.array(z.string().max(300)).max(200).default([]).describe("Keys of PERSONA_WEAKENED's details the caller accepts"),
};

/** The live version number the caller's edit started from; another one live now is a 409 CONCURRENT_EDIT. */
export const baseVersion = z
  .number()
  .int()
  .min(1)
  .max(1_000_000)
  .optional()
  .describe("The live version the edit started from (optimistic concurrency)");

export const personaOrMarkdown = <T extends { persona?: unknown; markdown?: unknown }>(b: T) =>
  (b.persona === undefined) !== (b.markdown === undefined);
export const ONE_OF = { message: "send either persona or markdown", path: ["persona"] };

export const versionSummary = z.object({
  id,
  version: z.number().int(),
  active: z.boolean(),
  createdAt: isoTime,
  usable: z.boolean().describe("false: a draft kept from the old format, or invalid; it can be read, never made live"),
  rolledBackFrom: z.number().int().nullable(),
});
export const versionDetail = versionSummary.extend({
  persona: personaSchema.nullable(),
  unusable: z.object({ reason: z.string(), text: z.string() }).nullable(),
  systemPrompt: z.string().nullable().describe("What the model is told, rendered from the persona"),
  tokens: z.number().int().nullable(),
  limit: z.number().int(),
});
export const personaSummary = z.object({
  id,
  businessId: id,
  name: z.string(),
  template: z.string().nullable(),
  versionCount: z.number().int(),
  activeVersion: versionSummary.nullable(),
  createdAt: isoTime,
});
export const personaDetail = personaSummary.extend({ activeVersion: versionDetail.nullable() });
export const personaName = label(100);

export const versionSummaryJson = (v: PersonaVersionRecord) => ({
  id: v.id,
  version: v.version,
  active: v.active,
  createdAt: iso(v.createdAt),
  usable: v.persona !== null,
  rolledBackFrom: v.rolledBackFrom,
});
/** A persona's budget and token counter for one business: what is left of the context after its reply length. */
export async function budgetFor(
  deps: AdminApiDeps,
  businessId: string,
): Promise<{ countTokens: AdminApiDeps["countTokens"]; maxPersonaTokens: number }> {
  const settings = await deps.store.settings.get(businessId);
  return {
    countTokens: deps.countTokens,
    maxPersonaTokens: deps.personaBudget(settings?.replyMaxTokens ?? BUSINESS_SETTING_DEFAULTS.replyMaxTokens),
  };
}

export async function versionDetailJson(v: PersonaVersionRecord, deps: AdminApiDeps, businessId: string) {
  const systemPrompt = v.persona ? renderSystemPrompt(v.persona) : null;
  return {
    ...versionSummaryJson(v),
    persona: v.persona,
    unusable: v.unusable,
    systemPrompt,
    tokens: systemPrompt === null ? null : await deps.countTokens(systemPrompt),
    limit: (await budgetFor(deps, businessId)).maxPersonaTokens,
  };
}
export const personaSummaryJson = (p: PersonaRecord) => ({
  ...p,
  createdAt: iso(p.createdAt),
  activeVersion: p.activeVersion ? versionSummaryJson(p.activeVersion) : null,
});
export const personaDetailJson = async (p: PersonaRecord, deps: AdminApiDeps, businessId: string) => ({
  ...personaSummaryJson(p),
  activeVersion: p.activeVersion ? await versionDetailJson(p.activeVersion, deps, businessId) : null,
});
