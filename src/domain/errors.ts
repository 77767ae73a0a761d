/**
 * Named errors with stable codes. Three families, so callers can decide what to do:
 * - InputError: the request itself is wrong; retrying the same request never helps (4xx).
 * - UnavailableError: a dependency (Redis, PostgreSQL) failed; the same request may succeed later (503).
 * - FatalError: this will never succeed as configured (missing model file, prompt cannot fit).
 */
export abstract class AppError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Machine-readable details of an InputError for the response body, e.g. {tokens, limit} or {problems: [...]}. */
export type ErrorDetails = Readonly<Record<string, string | number | boolean | readonly Readonly<Record<string, string | number>>[]>>;

export class InputError extends AppError {
  constructor(
    readonly code: string,
    message: string,
    readonly status: 400 | 404 | 409 | 413 | 422 = 400,
    readonly details?: ErrorDetails,
  ) {
    super(message);
  }
}

/** Over a rate limit or quota: the same request may succeed after `retryAfterSeconds` (429). */
export class LimitError extends AppError {
  constructor(
    readonly code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export class UnavailableError extends AppError {
  constructor(
    readonly code: "QUEUE_UNAVAILABLE" | "DATABASE_UNAVAILABLE" | "TOKENIZER_UNAVAILABLE" | "PLATFORM_UNAVAILABLE",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class FatalError extends AppError {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
