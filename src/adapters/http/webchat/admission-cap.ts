/**
 * A cap on a count that only sees a post once it is stored (a business's queued turns, an
 * address's messages waiting for an answer). The posts of this gateway that passed the check and
 * are still being stored count too: otherwise thirty posts checked at once all see the same count
 * and all get in. A post checked during the count's read counts every post in flight at the read's
 * start or admitted during it, so none is missed (one already stored may count twice: the safe side).
 */
export class AdmissionCap {
  private readonly admitted = new Map<string, Set<symbol>>();

  /** Admits one post under `key`, or throws `refuse()`; call the returned release once the post is stored or dropped. */
  async admit(key: string, stored: () => Promise<number>, max: number, refuse: () => Error): Promise<() => void> {
    const before = new Set(this.admitted.get(key));
    const count = await stored();
    let inFlight = before.size;
    for (const token of this.admitted.get(key) ?? []) if (!before.has(token)) inFlight++;
    if (count + inFlight >= max) throw refuse();
    let tokens = this.admitted.get(key);
    if (!tokens) this.admitted.set(key, (tokens = new Set()));
    const token = Symbol(key);
    tokens.add(token);
    return () => {
      tokens.delete(token);
      if (tokens.size === 0 && this.admitted.get(key) === tokens) this.admitted.delete(key);
    };
  }
}
