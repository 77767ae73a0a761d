import type { FastifyInstance } from "fastify";
import { notFound } from "../../../app/admin/admin-error.js";
import { canAccessBusiness, type Caller } from "../../../app/admin/caller.js";
import { parseInput } from "../parse-input.js";
import type { AdminAuth } from "./admin-auth.js";
import type { AdminApiDeps } from "./admin-deps.js";
import type { AdminRoute } from "./admin-route.js";

/** Registers each declared route: auth first, then params/query/body validation, then the handler. */
export function mountAdminRoutes(scope: FastifyInstance, routes: readonly AdminRoute[], deps: AdminApiDeps, auth: AdminAuth): void {
  const bodyLimit = deps.bodyLimitBytes ?? 1024 * 1024;
  for (const route of routes) {
    scope.route({
      method: route.method,
      url: route.path,
      exposeHeadRoute: false,
      bodyLimit,
      onRequest: auth.hook(route.ownerOnly ?? false),
      handler: async (request, reply) => {
        const caller = auth.callerOf(request);
        const params = route.params ? parseInput(route.params, request.params, "params") : {};
        const query = route.query ? parseInput(route.query, request.query, "query") : {};
        const body = route.body ? parseInput(route.body, request.body, "body") : {};
        const result = await route.handler({
          caller,
          params,
          query,
          body,
          deps,
          requireBusiness: (businessId) => requireBusiness(deps, caller, businessId),
        });
        reply.status(route.status ?? 200).header("cache-control", "no-store");
        return route.response ? reply.send(route.response.parse(result)) : reply.send();
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
