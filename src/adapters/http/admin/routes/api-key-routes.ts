import { z } from "zod";
import { notFound } from "../../../../app/admin/admin-error.js";
import type { ApiKeyRecord } from "../../../../ports/admin/api-key-store.js";
import { issueApiKey } from "../../../../app/admin/issue-api-key.js";
import { defineRoute } from "../admin-route.js";
import { id, iso, isoTime, label } from "../schemas.js";

// Owner keys only. The hash never leaves storage; the key itself is returned once, at creation.
const apiKey = z.object({
  id,
  businessId: id.nullable().describe("null: an owner key (every business)"),
  name: z.string(),
  createdAt: isoTime,
  lastUsedAt: isoTime.nullable(),
  revokedAt: isoTime.nullable(),
});
const toJson = (k: ApiKeyRecord) => ({
  id: k.id,
  businessId: k.businessId,
  name: k.name,
  createdAt: iso(k.createdAt),
  lastUsedAt: k.lastUsedAt && iso(k.lastUsedAt),
  revokedAt: k.revokedAt && iso(k.revokedAt),
});

export const apiKeyRoutes = [
  defineRoute({
    method: "GET",
    path: "/api-keys",
    tag: "api-keys",
    summary: "List API keys (never their secrets)",
    ownerOnly: true,
    query: z.object({ businessId: id.optional() }),
    response: z.object({ items: z.array(apiKey) }),
    errors: [403],
    async handler({ query, deps }) {
      return { items: (await deps.store.apiKeys.list(query.businessId)).map(toJson) };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/api-keys",
    tag: "api-keys",
    summary: "Create an API key for one business (or an owner key with businessId null); the key is shown only in this response",
    ownerOnly: true,
    body: z.object({ name: label(100), businessId: id.nullable() }),
    response: apiKey.extend({ key: z.string().describe("pk_<id>_<secret>: store it now, it cannot be shown again") }),
    status: 201,
    errors: [403, 404],
    async handler({ body, deps }) {
      if (body.businessId && !(await deps.store.businesses.get(body.businessId))) throw notFound("business");
      const issued = await issueApiKey(deps.store.apiKeys, body, {
        ...(deps.hasher ? { hasher: deps.hasher } : {}),
        now: (deps.clock ?? (() => new Date()))(),
      });
      return { ...toJson(issued.record), key: issued.key };
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/api-keys/:keyId",
    tag: "api-keys",
    summary: "Revoke an API key (at once; revoking twice is fine)",
    ownerOnly: true,
    params: z.object({ keyId: id }),
    response: null,
    status: 204,
    errors: [403, 404],
    async handler({ params, deps }) {
      if (!(await deps.store.apiKeys.revoke(params.keyId, (deps.clock ?? (() => new Date()))()))) throw notFound("API key");
    },
  }),
];
