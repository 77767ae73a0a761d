import type { z } from "zod";
import type { Caller } from "../../../app/admin/caller.js";
import type { AdminApiDeps } from "./admin-deps.js";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface HandlerContext<P, Q, B> {
  readonly caller: Caller;
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly deps: AdminApiDeps;
  /** Resolves when the caller may see this business and it exists; otherwise throws the 404. */
  requireBusiness(businessId: string): Promise<void>;
}

type Empty = z.ZodObject<{}>;
// fastify-type-provider-zod serializes with zod's encode: it takes the schema's output type.
type Reply<R> = R extends z.ZodType ? z.output<R> : void;

/**
 * One admin route, declared once: mountAdminRoutes hands its schemas to Fastify, where
 * fastify-type-provider-zod validates the input and filters the output through the response
 * schema, and @fastify/swagger makes it an OpenAPI operation.
 */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType | null> {
  readonly method: Method;
  /** Relative to /api/admin, Fastify syntax: "/businesses/:businessId". */
  readonly path: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  /** Owner keys only: a business key gets 403. */
  readonly ownerOnly?: boolean;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /** Output schema; serializing drops any field it does not list. null: 204 No Content. */
  readonly response: R;
  readonly status?: 200 | 201 | 202 | 204;
  /** Error statuses besides 400 and 401 (OpenAPI). */
  readonly errors?: readonly (403 | 404 | 409 | 413 | 422)[];
  handler(ctx: HandlerContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<Reply<R>>;
}

export type AdminRoute = RouteSpec<z.ZodType, z.ZodType, z.ZodType, z.ZodType | null>;

export function defineRoute<P extends z.ZodType = Empty, Q extends z.ZodType = Empty, B extends z.ZodType = Empty, R extends z.ZodType | null = null>(
  spec: RouteSpec<P, Q, B, R>,
): AdminRoute {
  return spec as unknown as AdminRoute;
}

/** "GET /businesses/:businessId/personas" -> "getBusinessesByBusinessIdPersonas". */
export function operationId(route: Pick<AdminRoute, "method" | "path">): string {
  const words = route.path
    .split("/")
    .filter(Boolean)
    .map((part) => (part.startsWith(":") ? `by-${part.slice(1)}` : part));
  return [route.method.toLowerCase(), ...words].join("-").replace(/-([a-zA-Z])/g, (_m, c: string) => c.toUpperCase());
}
