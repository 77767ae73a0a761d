/**
 * Keeps the generations of one llama.cpp context in step, so their next tokens go into one decode.
 *
 * node-llama-cpp samples every sequence of a batch on the thread pool after the decode, and its
 * dispatch loop decodes again at once whatever was queued by then. A sequence whose sampling
 * finished first therefore re-queues alone and the batch splits: with 2 sequences in a context
 * they never shared a decode (bench/README.md, section 3). A generation that has its token waits
 * here until every other generation of the context has its token too (or has ended), then all ask
 * for their next token in the same event-loop turn.
 *
 * Only generations past their first token take part: a newcomer's prompt may take several
 * batches, and the others must not wait for it (node-llama-cpp adds its prompt to their batches).
 */
export class DecodeLockstep {
  private stepping = 0;
  private arrived = 0;
  private waiters: Array<() => void> = [];

  /** A generation got its first token: from now on the others wait for it at each step. */
  join(): void {
    this.stepping++;
  }

  /** A member ended (or failed): nobody waits for it any more. */
  leave(): void {
    this.stepping--;
    this.releaseIfAllArrived();
  }

  /** A member has its token; resolves when every member has one. Undefined when no wait is needed. */
  arrive(): Promise<void> | undefined {
    if (this.stepping <= 1) return undefined;
    this.arrived++;
    if (this.arrived >= this.stepping) {
      this.release();
      return undefined;
    }
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private releaseIfAllArrived(): void {
    if (this.waiters.length > 0 && this.arrived >= this.stepping) this.release();
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    this.arrived = 0;
    for (const resolve of waiters) resolve();
  }
}
