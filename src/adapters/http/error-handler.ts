import type { FastifyError, FastifyInstance } from "fastify";
import { type AppError, InputError, LimitError, UnavailableError } from "../../domain/errors.js";
import type { Logger } from "../../ports/logger.js";
import { plainError } from "./plain-error.js";

/** Maps errors to stable JSON bodies: {error: {code, message}}. Never a stack trace or a secret. */
export function installErrorHandler(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof InputError) return reply.status(error.status).send({ error: { code: error.code, ...plainError(error) } });
    if (error instanceof LimitError) {
      return reply
        .status(429)
        .header("retry-after", String(Math.max(1, Math.ceil(error.retryAfterSeconds))))
        .send({ error: { code: error.code, message: error.message } });
    }
    if (error instanceof UnavailableError) {
      logger.warn({ code: error.code, route: request.routeOptions.url }, "dependency unavailable");
      return reply
        .status(503)
        .header("retry-after", "1")
        .send({ error: { code: error.code, message: error.message } });
    }
    const status = (error as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      const code = (error as FastifyError).code ?? "BAD_REQUEST";
      const limit = request.routeOptions.bodyLimit;
      const message =
        code === "FST_ERR_CTP_BODY_TOO_LARGE" && limit ? `the request body is larger than this route's limit of ${limit} bytes` : error.message;
      return reply.status(status).send({ error: { code, message } });
    }
    logger.error({ err: error, route: request.routeOptions.url }, "unhandled error");
    return reply.status(500).send({ error: { code: "INTERNAL", message: "internal error" } });
  });
  app.setNotFoundHandler((_request, reply) => reply.status(404).send({ error: { code: "NOT_FOUND", message: "no such route" } }));
}
