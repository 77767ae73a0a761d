/** The engine could not answer now (down, overloaded past the retries): the turn fails and BullMQ retries it. */
export class EngineUnavailableError extends Error {
  readonly code = "LLM_ENGINE_UNAVAILABLE";
}
