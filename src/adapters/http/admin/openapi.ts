import { z } from "zod";
import type { AdminRoute } from "./admin-route.js";
import { errorBody } from "./schemas.js";

type Json = Record<string, unknown>;

const ERROR_TEXT: Record<number, string> = {
  400: "Invalid request: the message names each bad field",
  401: "Missing, malformed, unknown or revoked API key",
  403: "Needs an owner key",
  404: "No such resource (or it belongs to a business this key cannot see)",
  409: "Conflict with the current state",
  413: "Too large",
  422: "Understood but refused (e.g. a persona over the token budget)",
  503: "A dependency is unavailable; retry later",
};

/** The OpenAPI 3.0 document of the admin API, generated from the same zod schemas that validate requests. */
export function buildOpenApiDocument(routes: readonly AdminRoute[], prefix: string): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const path = prefix + route.path.replace(/:([A-Za-z]+)/g, "{$1}");
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route) };
  }
  return {
    openapi: "3.0.3",
    info: {
      title: "Parlor admin API",
      version: "1",
      description:
        "Businesses, personas, channels, conversations and contacts. Authenticate with `Authorization: Bearer pk_<id>_<secret>`. A business key sees only its own business: anything else answers 404. Browsers (the console) sign in once with `POST /api/admin/session` and that header, get an HttpOnly `parlor_session` cookie and send it instead; a request with the cookie that is not a GET or HEAD must carry this site's `Origin` (403 CROSS_SITE_REQUEST otherwise). `DELETE /api/admin/session` signs out.",
    },
    servers: [{ url: "/" }],
    security: [{ apiKey: [] }, { consoleSession: [] }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", bearerFormat: "pk_<id>_<secret>" },
        consoleSession: { type: "apiKey", in: "cookie", name: "parlor_session", description: "what POST /api/admin/session sets for a valid key" },
      },
      schemas: { Error: schemaOf(errorBody, "output") },
      responses: Object.fromEntries(
        Object.entries(ERROR_TEXT).map(([status, description]) => [
          `Error${status}`,
          { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
        ]),
      ),
    },
  };
}

function operation(route: AdminRoute): Json {
  const status = route.status ?? 200;
  const errors = [400, 401, ...(route.errors ?? []), 503];
  return {
    operationId: operationId(route),
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    parameters: [...parameters(route.params, "path"), ...parameters(route.query, "query")],
    ...(route.body ? { requestBody: { required: true, content: { "application/json": { schema: schemaOf(route.body, "input") } } } } : {}),
    responses: {
      [status]: route.response
        ? { description: "OK", content: { "application/json": { schema: schemaOf(route.response, "output") } } }
        : { description: "No content" },
      ...Object.fromEntries(errors.map((e) => [e, { $ref: `#/components/responses/Error${e}` }])),
    },
  };
}

function parameters(schema: z.ZodType | undefined, where: "path" | "query"): Json[] {
  if (!schema) return [];
  const json = schemaOf(schema, "input") as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || (json.required ?? []).includes(name),
    schema: property,
    ...(typeof property.description === "string" ? { description: property.description } : {}),
  }));
}

function schemaOf(schema: z.ZodType, io: "input" | "output"): Json {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { target: "openapi-3.0", io, unrepresentable: "any" }) as Json;
  return json;
}

function operationId(route: AdminRoute): string {
  const words = route.path
    .split("/")
    .filter(Boolean)
    .map((part) => (part.startsWith(":") ? `by-${part.slice(1)}` : part));
  return [route.method.toLowerCase(), ...words].join("-").replace(/-([a-zA-Z])/g, (_m, c: string) => c.toUpperCase());
}
