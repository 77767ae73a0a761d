import { z } from "zod";
import { notFound } from "../../../admin/admin-error.js";
import { diffLines } from "../../../admin/line-diff.js";
import { assertPersonaFits } from "../../../admin/persona-budget.js";
import { defineRoute } from "../admin-route.js";
import { longText, personaParams, versionParams } from "../schemas.js";
import { MAX_PERSONA_CHARS, versionDetail, versionDetailJson, versionSummary, versionSummaryJson } from "./persona-routes.js";

const versionNumber = z.coerce.number().int().min(1).max(1_000_000);
const diffLine = z.object({ op: z.enum(["equal", "add", "remove"]), text: z.string(), oldLine: z.number().int().optional(), newLine: z.number().int().optional() });

// A persona's text never changes in place: editing, rolling back and activating all go through versions.
export const personaVersionRoutes = [
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/personas/:personaId/versions",
    tag: "personas",
    summary: "List a persona's versions, newest first",
    params: personaParams,
    response: z.object({ items: z.array(versionSummary) }),
    errors: [404],
    async handler({ params, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const versions = await deps.store.personas.listVersions(params.businessId, params.personaId);
      if (!versions) throw notFound("persona");
      return { items: versions.map(versionSummaryJson) };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/businesses/:businessId/personas/:personaId/versions",
    tag: "personas",
    summary: "Edit a persona: its new text becomes a new version (active unless activate is false)",
    params: personaParams,
    body: z.object({ systemPrompt: longText(MAX_PERSONA_CHARS), activate: z.boolean().default(true) }),
    response: versionDetail,
    status: 201,
    errors: [404, 409, 422],
    async handler({ caller, params, body, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      assertPersonaFits(body.systemPrompt, deps, "body.systemPrompt");
      const origin = { source: "admin-api", apiKeyId: caller.keyId } as const;
      const created = await deps.store.personas.addVersion(params.businessId, params.personaId, { systemPrompt: body.systemPrompt, activate: body.activate, origin });
      if (!created) throw notFound("persona");
      return versionDetailJson(created, deps);
    },
  }),
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/personas/:personaId/versions/:version",
    tag: "personas",
    summary: "Get one version's text",
    params: versionParams,
    response: versionDetail,
    errors: [404],
    async handler({ params, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const version = await deps.store.personas.getVersion(params.businessId, params.personaId, params.version);
      if (!version) throw notFound("persona version");
      return versionDetailJson(version, deps);
    },
  }),
  defineRoute({
    method: "POST",
    path: "/businesses/:businessId/personas/:personaId/versions/:version/activate",
    tag: "personas",
    summary: "Make an existing version the active one",
    params: versionParams,
    response: versionDetail,
    errors: [404, 422],
    async handler({ params, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const target = await deps.store.personas.getVersion(params.businessId, params.personaId, params.version);
      if (!target) throw notFound("persona version");
      // The budget may have shrunk since this version was written (a smaller context, a longer reply).
      assertPersonaFits(target.systemPrompt, deps, "version");
      const activated = await deps.store.personas.activate(params.businessId, params.personaId, params.version);
      if (!activated) throw notFound("persona version");
      return versionDetailJson(activated, deps);
    },
  }),
  defineRoute({
    method: "POST",
    path: "/businesses/:businessId/personas/:personaId/rollback",
    tag: "personas",
    summary: "Roll back: a new active version copying an older version's text",
    params: personaParams,
    body: z.object({ version: z.number().int().min(1).max(1_000_000) }),
    response: versionDetail,
    status: 201,
    errors: [404, 409, 422],
    async handler({ caller, params, body, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const source = await deps.store.personas.getVersion(params.businessId, params.personaId, body.version);
      if (!source) throw notFound("persona version");
      assertPersonaFits(source.systemPrompt, deps, "body.version");
      const origin = { source: "admin-api", apiKeyId: caller.keyId, rolledBackFrom: source.version } as const;
      const created = await deps.store.personas.addVersion(params.businessId, params.personaId, { systemPrompt: source.systemPrompt, activate: true, origin });
      if (!created) throw notFound("persona");
      return versionDetailJson(created, deps);
    },
  }),
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/personas/:personaId/diff",
    tag: "personas",
    summary: "Line diff between two versions (from -> to)",
    params: personaParams,
    query: z.object({ from: versionNumber, to: versionNumber }),
    response: z.object({ from: z.number().int(), to: z.number().int(), added: z.number().int(), removed: z.number().int(), exact: z.boolean(), lines: z.array(diffLine) }),
    errors: [404],
    async handler({ params, query, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const [from, to] = await Promise.all([
        deps.store.personas.getVersion(params.businessId, params.personaId, query.from),
        deps.store.personas.getVersion(params.businessId, params.personaId, query.to),
      ]);
      if (!from || !to) throw notFound("persona version");
      return { from: from.version, to: to.version, ...diffLines(from.systemPrompt, to.systemPrompt) };
    },
  }),
];
