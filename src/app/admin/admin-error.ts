import { InputError, type ErrorDetails } from "../../domain/errors.js";

/** An InputError that always has machine-readable details (e.g. {field, tokens, limit}) for the response body. */
export class AdminInputError extends InputError {
  declare readonly details: ErrorDetails;
  constructor(code: string, message: string, status: 400 | 404 | 409 | 413 | 422, details: ErrorDetails) {
    super(code, message, status, details);
  }
}

/** The same 404 whether the resource does not exist or belongs to a business the caller cannot see. */
export function notFound(
  resource:
    | "business"
    | "persona"
    | "persona version"
    | "channel"
    | "conversation"
    | "contact"
    | "API key"
    | "handoff"
    | "knowledge entry"
    | "session"
    | "push subscription",
): InputError {
  const code = `${resource.toUpperCase().replace(/ /g, "_")}_NOT_FOUND`;
  return new InputError(code, `no such ${resource}`, 404);
}
