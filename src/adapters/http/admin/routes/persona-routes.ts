import { z } from "zod";
import { notFound } from "../../../../app/admin/admin-error.js";
import { checkPersonaChange, personaOfPayload } from "../../../../app/admin/persona-edit.js";
import { defineRoute } from "../admin-route.js";
import { businessParams, label, personaParams } from "../schemas.js";
import { renderSystemPrompt } from "../../../../domain/personas/render-persona.js";
import { personaSchema } from "../../../../domain/personas/persona-schema.js";
import {
  MAX_PERSONA_FILE_CHARS,
  ONE_OF,
  personaDetail,
  personaDetailJson,
  personaName,
  personaOrMarkdown,
  personaPayload,
  personaSummary,
  personaSummaryJson,
  budgetFor,
} from "./persona-json.js";

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
      return { items: (await deps.store.personas.list(params.businessId)).map(personaSummaryJson) };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/businesses/:businessId/personas",
    tag: "personas",
    summary: "Create a persona (version 1, live): its settings and voice, or a persona file to import",
    description:
      "422 PERSONA_INVALID lists each problem of an imported file (field, line); 422 PERSONA_TOO_LONG when the system prompt does not fit.",
    params: businessParams,
    body: z
      .object({
        name: personaName.optional().describe("Defaults to the persona's settings.name"),
        template: label(100).nullable().default(null),
        ...personaPayload,
      })
      .refine(personaOrMarkdown, ONE_OF),
    response: personaDetail,
    status: 201,
    errors: [404, 409, 422],
    async handler({ caller, params, body, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const persona = personaOfPayload(body);
      await checkPersonaChange(persona, null, [], await budgetFor(deps, params.businessId));
      const created = await deps.store.personas.create(params.businessId, {
        name: body.name ?? persona.settings.name,
        template: body.template,
        persona,
        origin: { source: "admin-api", apiKeyId: caller.keyId },
      });
      return personaDetailJson(created, deps, params.businessId);
    },
  }),
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/personas/:personaId",
    tag: "personas",
    summary: "Get a persona with its live version, whole",
    params: personaParams,
    response: personaDetail,
    errors: [404],
    async handler({ params, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const persona = await deps.store.personas.get(params.businessId, params.personaId);
      if (!persona) throw notFound("persona");
      return personaDetailJson(persona, deps, params.businessId);
    },
  }),
  defineRoute({
    method: "POST",
    path: "/businesses/:businessId/personas/parse-file",
    tag: "personas",
    summary: "Read a persona file without saving anything: its persona and tokens (the console's import into its form)",
    description:
      "422 PERSONA_INVALID lists each problem of the file (field, line). A persona over the token budget is returned with its tokens and the limit; saving it is what refuses it.",
    params: businessParams,
    body: z.object({ markdown: z.string().max(MAX_PERSONA_FILE_CHARS) }),
    response: z.object({ persona: personaSchema, tokens: z.number().int(), limit: z.number().int() }),
    errors: [404, 422],
    async handler({ params, body, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const persona = personaOfPayload({ markdown: body.markdown });
      return {
        persona,
        tokens: await deps.countTokens(renderSystemPrompt(persona)),
        limit: (await budgetFor(deps, params.businessId)).maxPersonaTokens,
      };
    },
  }),
];
