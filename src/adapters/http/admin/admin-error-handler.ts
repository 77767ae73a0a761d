import type { FastifyError, FastifyInstance } from "fastify";
import { InputError, UnavailableError } from "../../../domain/errors.js";
import type { Logger } from "../../../ports/logger.js";
import { plainError } from "../plain-error.js";

/**
 * Errors inside /api/admin: {error: {code, message, field?, details?}}, never a stack trace or a
 * secret. `message` is for people (no field paths or codes); `field` and details.problems name the fields.
 * Same mapping as the app's handler, plus details and "database unreachable" as 503.
 */
export function installAdminErrorHandler(scope: FastifyInstance, logger: Logger, isStoreUnavailable: (error: unknown) => boolean): void {
  scope.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (error instanceof InputError) {
      const details = error.details ? { details: error.details } : {};
      return reply.status(error.status).send({ error: { code: error.code, ...plainError(error), ...details } });
    }
    if (error instanceof UnavailableError || isStoreUnavailable(error)) {
      const code = error instanceof UnavailableError ? error.code : "DATABASE_UNAVAILABLE";
      logger.warn({ code, route: request.routeOptions.url }, "dependency unavailable");
      return reply
        .status(503)
        .header("retry-after", "1")
        .send({ error: { code, message: "The server cannot reach a service it needs right now. Try again in a moment." } });
    }
    const status = (error as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.status(status).send({ error: { code: (error as FastifyError).code ?? "BAD_REQUEST", message: error.message } });
    }
    logger.error({ err: error, route: request.routeOptions.url }, "admin API: unhandled error");
    return reply.status(500).send({
      error: { code: "INTERNAL", message: "Something went wrong on the server. Try again; if it keeps happening, tell whoever runs this server." },
    });
  });
  scope.setNotFoundHandler((_request, reply) => reply.status(404).send({ error: { code: "NOT_FOUND", message: "no such route" } }));
}
