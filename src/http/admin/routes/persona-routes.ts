import { z } from "zod";
import { notFound } from "../../../admin/admin-error.js";
import type { PersonaRecord, PersonaVersionRecord } from "../../../admin/admin-store.js";
import { assertPersonaFits } from "../../../admin/persona-budget.js";
import type { AdminApiDeps } from "../admin-deps.js";
import { defineRoute } from "../admin-route.js";
import { businessParams, id, iso, isoTime, label, longText, personaParams } from "../schemas.js";

/** Characters accepted before the tokenizer runs; the token budget is the real limit. */
export const MAX_PERSONA_CHARS = 100_000;

export const versionSummary = z.object({ id, version: z.number().int(), active: z.boolean(), createdAt: isoTime });
export const versionDetail = versionSummary.extend({ systemPrompt: z.string(), tokens: z.number().int() });
const personaSummary = z.object({
  id,
  businessId: id,
  name: z.string(),
  template: z.string().nullable(),
  versionCount: z.number().int(),
  activeVersion: versionSummary.nullable(),
  createdAt: isoTime,
});
const personaDetail = personaSummary.extend({ activeVersion: versionDetail.nullable() });

export const versionSummaryJson = (v: PersonaVersionRecord) => ({ id: v.id, version: v.version, active: v.active, createdAt: iso(v.createdAt) });
export const versionDetailJson = (v: PersonaVersionRecord, deps: AdminApiDeps) => ({ ...versionSummaryJson(v), systemPrompt: v.systemPrompt, tokens: deps.countTokens(v.systemPrompt) });
const summaryJson = (p: PersonaRecord) => ({ ...p, createdAt: iso(p.createdAt), activeVersion: p.activeVersion ? versionSummaryJson(p.activeVersion) : null });
const detailJson = (p: PersonaRecord, deps: AdminApiDeps) => ({ ...summaryJson(p), activeVersion: p.activeVersion ? versionDetailJson(p.activeVersion, deps) : null });

export const personaRoutes = [
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/personas",
    tag: "personas",
    summary: "List personas",
    params: businessParams,
    response: z.object({ items: z.array(personaSummary) }),
    errors: [404],
    async handler({ params, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      return { items: (await deps.store.personas.list(params.businessId)).map(summaryJson) };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/businesses/:businessId/personas",
    tag: "personas",
    summary: "Create a persona (its text becomes version 1, active)",
    params: businessParams,
    body: z.object({ name: label(100), systemPrompt: longText(MAX_PERSONA_CHARS), template: label(100).nullable().default(null) }),
    response: personaDetail,
    status: 201,
    errors: [404, 409, 422],
    async handler({ caller, params, body, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      assertPersonaFits(body.systemPrompt, deps, "body.systemPrompt");
      const created = await deps.store.personas.create(params.businessId, { ...body, origin: { source: "admin-api", apiKeyId: caller.keyId } });
      return detailJson(created, deps);
    },
  }),
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/personas/:personaId",
    tag: "personas",
    summary: "Get a persona with the text of its active version",
    params: personaParams,
    response: personaDetail,
    errors: [404],
    async handler({ params, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const persona = await deps.store.personas.get(params.businessId, params.personaId);
      if (!persona) throw notFound("persona");
      return detailJson(persona, deps);
    },
  }),
];
