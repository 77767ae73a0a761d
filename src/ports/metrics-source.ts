/** Figures the metrics endpoint reads on each scrape, from the shared stores (so every worker counts). */
export interface MetricsSource {
  queueDepth(): Promise<Record<string, number>>;
  /** Replies by channel kind and status, since the beginning. */
  repliesByChannel(): Promise<Array<{ channel: string; status: string; count: number }>>;
  /** Turns that ended in the last `windowMs`: their timings and token counts. */
  recentTurns(
    windowMs: number,
  ): Promise<Array<{ waitMs: number; turnMs: number; generationMs: number; generatedTokens: number; evaluatedTokens: number }>>;
}
