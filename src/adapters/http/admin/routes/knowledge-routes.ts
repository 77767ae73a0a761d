import { z } from "zod";
import { AdminInputError, notFound } from "../../../../app/admin/admin-error.js";
import type { KnowledgeRecord } from "../../../../ports/admin/knowledge-admin-store.js";
import { defineRoute } from "../admin-route.js";
import { businessParams, id, iso, isoTime, label, longText } from "../schemas.js";

/** A FAQ answer is a few sentences; a document is short (split into passages for retrieval). */
export const KNOWLEDGE_LIMITS = { titleChars: 200, faqBodyChars: 2000, documentBodyChars: 8000, entriesPerBusiness: 500 } as const;

const kind = z.enum(["faq", "document"]);
const entryParams = businessParams.extend({ entryId: id });
const entry = z.object({
  id,
  businessId: id,
  kind: kind.describe("faq: title is the question, body the answer; document: a short text split into passages"),
  title: z.string(),
  body: z.string(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
const toJson = (e: KnowledgeRecord) => ({ ...e, createdAt: iso(e.createdAt), updatedAt: iso(e.updatedAt) });

function checkBodyFits(entryKind: "faq" | "document", body: string | undefined): void {
  const limit = entryKind === "faq" ? KNOWLEDGE_LIMITS.faqBodyChars : KNOWLEDGE_LIMITS.documentBodyChars;
  if (body !== undefined && body.length > limit) {
    const what = entryKind === "faq" ? "An FAQ answer" : "A document";
    throw new AdminInputError("INVALID_REQUEST", `body.body: ${what} has at most ${limit} characters: shorten it by ${body.length - limit}`, 400, {
      field: "body.body",
      chars: body.length,
      limit,
    });
  }
}

export const knowledgeRoutes = [
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/knowledge",
    tag: "knowledge",
    summary: "List the business's FAQ entries and documents, oldest first",
    params: businessParams,
    response: z.object({ items: z.array(entry) }),
    errors: [404],
    async handler({ params, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      return { items: (await deps.store.knowledge.list(params.businessId)).map(toJson) };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/businesses/:businessId/knowledge",
    tag: "knowledge",
    summary: "Add a FAQ entry or a short document",
    description: `The agent is given the passages that best match each customer message. Limits: title ${KNOWLEDGE_LIMITS.titleChars} characters, FAQ answer ${KNOWLEDGE_LIMITS.faqBodyChars}, document ${KNOWLEDGE_LIMITS.documentBodyChars}, ${KNOWLEDGE_LIMITS.entriesPerBusiness} entries per business.`,
    params: businessParams,
    body: z.object({ kind, title: label(KNOWLEDGE_LIMITS.titleChars), body: longText(KNOWLEDGE_LIMITS.documentBodyChars) }),
    response: entry,
    status: 201,
    errors: [404, 422],
    async handler({ params, body, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      checkBodyFits(body.kind, body.body);
      if ((await deps.store.knowledge.count(params.businessId)) >= KNOWLEDGE_LIMITS.entriesPerBusiness) {
        throw new AdminInputError("KNOWLEDGE_FULL", `a business has at most ${KNOWLEDGE_LIMITS.entriesPerBusiness} knowledge entries`, 422, {
          limit: KNOWLEDGE_LIMITS.entriesPerBusiness,
        });
      }
      return toJson(await deps.store.knowledge.create(params.businessId, body));
    },
  }),
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/knowledge/:entryId",
    tag: "knowledge",
    summary: "Get a knowledge entry",
    params: entryParams,
    response: entry,
    errors: [404],
    async handler({ params, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const found = await deps.store.knowledge.get(params.businessId, params.entryId);
      if (!found) throw notFound("knowledge entry");
      return toJson(found);
    },
  }),
  defineRoute({
    method: "PATCH",
    path: "/businesses/:businessId/knowledge/:entryId",
    tag: "knowledge",
    summary: "Edit a knowledge entry's title or body",
    params: entryParams,
    body: z.object({ title: label(KNOWLEDGE_LIMITS.titleChars).optional(), body: longText(KNOWLEDGE_LIMITS.documentBodyChars).optional() }),
    response: entry,
    errors: [404],
    async handler({ params, body, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const found = await deps.store.knowledge.get(params.businessId, params.entryId);
      if (!found) throw notFound("knowledge entry");
      checkBodyFits(found.kind, body.body);
      const updated = await deps.store.knowledge.update(params.businessId, params.entryId, body);
      if (!updated) throw notFound("knowledge entry");
      return toJson(updated);
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/businesses/:businessId/knowledge/:entryId",
    tag: "knowledge",
    summary: "Delete a knowledge entry",
    params: entryParams,
    response: null,
    status: 204,
    errors: [404],
    async handler({ params, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      if (!(await deps.store.knowledge.delete(params.businessId, params.entryId))) throw notFound("knowledge entry");
    },
  }),
];
