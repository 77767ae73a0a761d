import type { FastifySchemaValidationError, FastifyServerOptions } from "fastify";
import { InputError } from "../../domain/errors.js";
import { fieldName } from "../../domain/opening-hours/index.js";

/**
 * Fastify's schemaErrorFormatter for routes that fastify-type-provider-zod validates: one 400
 * INVALID_REQUEST naming every bad field of the failing part, `details.problems` as
 * [{field, message}] for forms (the error handlers turn the whole into plain sentences).
 */
export function invalidRequest(errors: FastifySchemaValidationError[], dataVar: DataVar): InputError {
  const where = dataVar === "querystring" ? "query" : dataVar;
  // The provider joins zod's issue path with "/"; list positions become brackets: body.openingHours.tue[1].
  const problems = errors.map((e) => ({ field: fieldName(where, pathOf(e.instancePath)), message: e.message ?? "is not valid" }));
  return new InputError("INVALID_REQUEST", problems.map((p) => `${p.field}: ${p.message}`).join("; "), 400, { problems });
}

type DataVar = Parameters<NonNullable<FastifyServerOptions["schemaErrorFormatter"]>>[1];

function pathOf(instancePath: string): (string | number)[] {
  return instancePath
    .split("/")
    .filter(Boolean)
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}
