import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { notFound } from "../../../app/admin/admin-error.js";
import { canAccessBusiness, type Caller } from "../../../app/admin/caller.js";
import type { AdminAuth } from "./admin-auth.js";
import type { AdminApiDeps } from "./admin-deps.js";
import { type AdminRoute, operationId } from "./admin-route.js";
import { ERRORS_KEY } from "./openapi.js";

/**
 * Registers each declared route: auth first (onRequest), then fastify-type-provider-zod validates
 * params/query/body (a 400 naming every bad field) and serializes the answer through the
 * response schema (fields it does not list are dropped); @fastify/swagger documents it.
 */
export function mountAdminRoutes(scope: FastifyInstance, routes: readonly AdminRoute[], deps: AdminApiDeps, auth: AdminAuth): void {
  const bodyLimit = deps.bodyLimitBytes ?? 1024 * 1024;
  for (const route of routes) {
    const status = route.status ?? 200;
    scope.route({
      method: route.method,
      url: route.path,
      exposeHeadRoute: false,
      bodyLimit,
      onRequest: auth.hook(route.ownerOnly ?? false),
      schema: {
        operationId: operationId(route),
        tags: [route.tag],
        summary: route.summary,
        ...(route.description ? { description: route.description } : {}),
        ...(route.params ? { params: route.params } : {}),
        ...(route.query ? { querystring: route.query } : {}),
        ...(route.body ? { body: route.body } : {}),
        response: { [status]: route.response ?? z.undefined().describe("No content") },
        [ERRORS_KEY]: route.errors ?? [],
      },
      handler: async (request, reply) => {
        const caller = auth.callerOf(request);
        const result = await route.handler({
          caller,
          params: route.params ? request.params : {},
          query: route.query ? request.query : {},
          body: route.body ? request.body : {},
          deps,
          requireBusiness: (businessId) => requireBusiness(deps, caller, businessId),
        });
        reply.status(status).header("cache-control", "no-store");
        return route.response ? reply.send(result) : reply.send();
      },
    });
  }
}

/** A business key sees its own business only; for anything else the answer is the same 404 as for a business that does not exist. */
export async function requireBusiness(deps: AdminApiDeps, caller: Caller, businessId: string): Promise<void> {
  if (!canAccessBusiness(caller, businessId)) throw notFound("business");
  // A business key's own business exists (deleting it deletes the key); an owner may name any id.
  if (caller.businessId === null && !(await deps.store.businesses.get(businessId))) throw notFound("business");
}
