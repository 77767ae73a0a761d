import { z } from "zod";
import { notFound } from "../../../../app/admin/admin-error.js";
import type { PersonaVersionRecord } from "../../../../ports/admin/persona-store.js";
import { diffLines } from "../../../../app/admin/line-diff.js";
import { checkPersonaChange, personaOfPayload } from "../../../../app/admin/persona-edit.js";
import { InputError } from "../../../../domain/errors.js";
import { personaToMarkdown } from "../../../../domain/personas/persona-file.js";
import { weakeningsOf } from "../../../../domain/personas/persona-weakenings.js";
import type { AdminApiDeps } from "../admin-deps.js";
import { defineRoute } from "../admin-route.js";
import { personaParams, versionParams } from "../schemas.js";
import {
  baseVersion,
  ONE_OF,
  personaOrMarkdown,
  personaPayload,
  versionDetail,
  versionDetailJson,
  versionSummary,
  versionSummaryJson,
  budgetFor,
} from "./persona-json.js";

const versionNumber = z.coerce.number().int().min(1).max(1_000_000);
const diffLine = z.object({
  op: z.enum(["equal", "add", "remove"]),
  text: z.string(),
  oldLine: z.number().int().optional(),
  newLine: z.number().int().optional(),
});
const weakening = z.object({ key: z.string(), message: z.string() });
const confirm = { confirmWeakenings: personaPayload.confirmWeakenings };

/** The live version's persona and id: what an edit is checked against. `base`: the version the caller saw live. */
async function live(deps: AdminApiDeps, businessId: string, personaId: string, base?: number) {
  const persona = await deps.store.personas.get(businessId, personaId);
  if (!persona) throw notFound("persona");
  const active = persona.activeVersion;
  if (base !== undefined && active?.version !== base) {
    throw new InputError(
      "CONCURRENT_EDIT",
      `version ${active?.version ?? "none"} was made live after you opened version ${base}; reload and check your edit again`,
      409,
      {
        live: active?.version ?? 0,
      },
    );
  }
  return { persona: active?.persona ?? null, versionId: active?.id ?? null };
}

function usable(version: PersonaVersionRecord) {
  if (!version.persona) throw new InputError("PERSONA_UNUSABLE", `version ${version.version} cannot be used: ${version.unusable!.reason}`, 422);
  return version.persona;
}

/** A version as its persona file (settings as front matter, then the voice); a draft's old text as it is. */
const fileText = (v: PersonaVersionRecord) => (v.persona ? personaToMarkdown(v.persona) : v.unusable!.text);

// A persona never changes in place: editing, rolling back and activating all go through versions,
// and each is the whole persona (settings + voice), checked like a new one.
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
    summary: "Edit a persona: the whole persona (or an imported file) becomes a new version, live unless activate is false",
    description:
      "409 PERSONA_WEAKENED (details.weakenings) when the edit removes a handoff trigger, the disclosure, a blocked topic, a blocklist entry or a rule, or loosens a limit, unless each key is in confirmWeakenings.",
    params: personaParams,
    body: z.object({ ...personaPayload, activate: z.boolean().default(true), baseVersion }).refine(personaOrMarkdown, ONE_OF),
    response: versionDetail,
    status: 201,
    errors: [404, 409, 422],
    async handler({ caller, params, body, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const persona = personaOfPayload(body);
      const current = await live(deps, params.businessId, params.personaId, body.baseVersion);
      await checkPersonaChange(persona, body.activate ? current.persona : null, body.confirmWeakenings, await budgetFor(deps, params.businessId));
      const created = await deps.store.personas.addVersion(params.businessId, params.personaId, {
        persona,
        activate: body.activate,
        origin: { source: "admin-api", apiKeyId: caller.keyId },
        ...(body.activate ? { expectedActive: current.versionId } : {}),
      });
      if (!created) throw notFound("persona");
      return versionDetailJson(created, deps, params.businessId);
    },
  }),
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/personas/:personaId/versions/:version",
    tag: "personas",
    summary: "Get one version, whole",
    params: versionParams,
    response: versionDetail,
    errors: [404],
    async handler({ params, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const version = await deps.store.personas.getVersion(params.businessId, params.personaId, params.version);
      if (!version) throw notFound("persona version");
      return versionDetailJson(version, deps, params.businessId);
    },
  }),
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/personas/:personaId/versions/:version/file",
    tag: "personas",
    summary: "Export one version as a persona file (markdown with YAML front matter), as persona:check and import read it",
    params: versionParams,
    response: z.object({ fileName: z.string(), markdown: z.string() }),
    errors: [404],
    async handler({ params, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const [persona, version] = await Promise.all([
        deps.store.personas.get(params.businessId, params.personaId),
        deps.store.personas.getVersion(params.businessId, params.personaId, params.version),
      ]);
      if (!persona || !version) throw notFound("persona version");
      const slug =
        persona.name
          .toLowerCase()
          .normalize("NFKD")
          .replace(/[^a-z0-9]+/g, "-")
          .replace(/^-|-$/g, "") || "persona";
      return { fileName: `${slug}-v${version.version}.md`, markdown: fileText(version) };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/businesses/:businessId/personas/:personaId/versions/:version/activate",
    tag: "personas",
    summary: "Make an existing version the live one, whole (checked like an edit)",
    params: versionParams,
    body: z.object({ ...confirm, baseVersion }),
    response: versionDetail,
    errors: [404, 409, 422],
    async handler({ params, body, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const target = await deps.store.personas.getVersion(params.businessId, params.personaId, params.version);
      if (!target) throw notFound("persona version");
      const current = await live(deps, params.businessId, params.personaId, body.baseVersion);
      // The budget may have shrunk since this version was written (a smaller context, a longer reply).
      await checkPersonaChange(usable(target), current.persona, body.confirmWeakenings, await budgetFor(deps, params.businessId));
      const activated = await deps.store.personas.activate(params.businessId, params.personaId, params.version);
      if (!activated) throw notFound("persona version");
      return versionDetailJson(activated, deps, params.businessId);
    },
  }),
  defineRoute({
    method: "POST",
    path: "/businesses/:businessId/personas/:personaId/rollback",
    tag: "personas",
    summary: "Roll back: a new live version copying an older version whole (settings and voice)",
    params: personaParams,
    body: z.object({ version: z.number().int().min(1).max(1_000_000), ...confirm, baseVersion }),
    response: versionDetail,
    status: 201,
    errors: [404, 409, 422],
    async handler({ caller, params, body, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const source = await deps.store.personas.getVersion(params.businessId, params.personaId, body.version);
      if (!source) throw notFound("persona version");
      const persona = usable(source);
      const current = await live(deps, params.businessId, params.personaId, body.baseVersion);
      await checkPersonaChange(persona, current.persona, body.confirmWeakenings, await budgetFor(deps, params.businessId));
      const origin = { source: "admin-api", apiKeyId: caller.keyId, rolledBackFrom: source.version } as const;
      const created = await deps.store.personas.addVersion(params.businessId, params.personaId, {
        persona,
        activate: true,
        origin,
        expectedActive: current.versionId,
      });
      if (!created) throw notFound("persona");
      return versionDetailJson(created, deps, params.businessId);
    },
  }),
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/personas/:personaId/diff",
    tag: "personas",
    summary: "Differences between two versions (from -> to): their persona files line by line, settings included, and what `to` stops enforcing",
    params: personaParams,
    query: z.object({ from: versionNumber, to: versionNumber }),
    response: z.object({
      from: z.number().int(),
      to: z.number().int(),
      added: z.number().int(),
      removed: z.number().int(),
      exact: z.boolean(),
      lines: z.array(diffLine),
      weakenings: z.array(weakening),
    }),
    errors: [404],
    async handler({ params, query, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const [from, to] = await Promise.all([
        deps.store.personas.getVersion(params.businessId, params.personaId, query.from),
        deps.store.personas.getVersion(params.businessId, params.personaId, query.to),
      ]);
      if (!from || !to) throw notFound("persona version");
      const weakenings = from.persona && to.persona ? weakeningsOf(from.persona, to.persona) : [];
      return { from: from.version, to: to.version, ...diffLines(fileText(from), fileText(to)), weakenings };
    },
  }),
];
