/** The engine could not answer now (down, overloaded past the retries): the turn fails and BullMQ retries it. */
export class EngineUnavailableError extends Error {
  readonly code = "LLM_ENGINE_UNAVAILABLE";
}

/** What went wrong with a request to the engine, in one line: fetch's own message hides the cause ("fetch failed"). */
export function reason(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}
