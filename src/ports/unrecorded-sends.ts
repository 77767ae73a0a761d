/**
 * Sends the platform accepted whose result the database could not take yet (it was down or
 * stalled). Kept outside PostgreSQL so the reconciler records them as sent once it is back,
 * instead of taking them for interrupted sends.
 */
export interface UnrecordedSends {
  remember(outboxId: string, platformMessageIds: readonly string[]): Promise<void>;
  forget(outboxId: string): Promise<void>;
  list(limit: number): Promise<Array<{ outboxId: string; platformMessageIds: string[] }>>;
}
