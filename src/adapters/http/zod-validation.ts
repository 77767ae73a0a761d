import type { FastifyInstance, FastifySchemaValidationError, FastifyServerOptions } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { z } from "zod";
import { InputError } from "../../domain/errors.js";
import { fieldName } from "../../domain/opening-hours/index.js";

/**
 * Routes of this scope declare zod schemas: fastify-type-provider-zod checks params, query and body
 * with them and writes answers through their response schema (dropping fields it does not list).
 */
export function useZodSchemas(scope: FastifyInstance): void {
  // A request without a body is checked as {}, so a form sent empty hears about each field it needs.
  scope.setValidatorCompiler<z.ZodType>((route) => {
    const validate = validatorCompiler(route);
    return (data) => validate(data ?? {});
  });
  scope.setSerializerCompiler(serializerCompiler);
  scope.setSchemaErrorFormatter(invalidRequest);
}

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
