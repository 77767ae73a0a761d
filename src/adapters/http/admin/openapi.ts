import fastifySwagger from "@fastify/swagger";
import type { FastifyInstance, FastifySchema } from "fastify";
import { jsonSchemaTransform } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorBody } from "./schemas.js";

/** A route schema's list of its error statuses besides 400, 401 and 503 (become $refs to components.responses). */
export const ERRORS_KEY = "x-errors";

/** A route schema with its error statuses, for routes declared without defineRoute. */
export type DocumentedSchema = FastifySchema & { [ERRORS_KEY]: readonly number[] };

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

/**
 * @fastify/swagger documents every route registered after it in the admin scope (OpenAPI 3.0),
 * from the same zod schemas that validate requests (fastify-type-provider-zod's transforms);
 * routes marked `hide` (the docs page's own) stay out.
 */
export async function registerAdminOpenApi(scope: FastifyInstance, tags: readonly string[]): Promise<void> {
  await scope.register(fastifySwagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "Parlor admin API",
        version: "1",
        description:
          "Businesses, personas, channels, conversations and contacts. Authenticate with `Authorization: Bearer pk_<id>_<secret>`. A business key sees only its own business: anything else answers 404. Browsers (the console) sign in once with `POST /api/admin/session` and that header, get an HttpOnly `parlor_session` cookie and send it instead; a request with the cookie that is not a GET or HEAD must carry this site's `Origin` (403 CROSS_SITE_REQUEST otherwise). `DELETE /api/admin/session` signs out.",
      },
      servers: [{ url: "/" }],
      security: [{ apiKey: [] }, { consoleSession: [] }],
      tags: tags.map((name) => ({ name })),
      components: {
        schemas: { Error: z.toJSONSchema(errorBody, { target: "openapi-3.0", io: "output" }) as object },
        securitySchemes: {
          apiKey: { type: "http", scheme: "bearer", bearerFormat: "pk_<id>_<secret>" },
          consoleSession: { type: "apiKey", in: "cookie", name: "parlor_session", description: "what POST /api/admin/session sets for a valid key" },
        },
        responses: Object.fromEntries(
          Object.entries(ERROR_TEXT).map(([status, description]) => [
            `Error${status}`,
            { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
          ]),
        ),
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (input) => ("openapiObject" in input ? withErrorResponses(input.openapiObject) : input.swaggerObject),
  });
}

type Operation = { responses?: Record<string, unknown>; [ERRORS_KEY]?: number[] };

/** Each operation's error statuses as references to the shared error responses. */
function withErrorResponses<D extends { paths?: object }>(document: D): D {
  for (const item of Object.values(document.paths ?? {}) as Record<string, Operation>[]) {
    for (const operation of Object.values(item)) {
      const errors = operation[ERRORS_KEY];
      if (!errors) continue;
      delete operation[ERRORS_KEY];
      for (const status of [400, 401, ...errors, 503])
        operation.responses = { ...operation.responses, [status]: { $ref: `#/components/responses/Error${status}` } };
    }
  }
  return document;
}
