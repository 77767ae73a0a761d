import type { LlamaContextSequence } from "node-llama-cpp";
import type { EvaluatedPrompt } from "./reusable-prompt-tokens.js";

export interface PooledSequence {
  readonly sequence: LlamaContextSequence;
  /** The context it belongs to: contexts decode in parallel, so new conversations go to the least busy. */
  readonly group: number;
  /** Its llama.cpp sequence id within that context (node-llama-cpp hands out 0, 1, 2, ... in getSequence order). */
  readonly slot: number;
  /** The prompt last evaluated on this sequence; what follows it in the KV cache was generated. */
  evaluated: EvaluatedPrompt | undefined;
  key: string | null;
  /** Set by acquire: the conversation whose cache this sequence held before it was handed to another one. */
  evictedKey: string | null;
  /** Set by acquire: the sequence last served this same conversation, so its cache is already there. */
  pinned: boolean;
  lastUsed: number;
  busy: boolean;
  /** Its conversation was erased while a turn ran on it: cleared when that turn lets go. */
  forgetOnRelease: boolean;
}

/**
 * Hands out the context's sequences, one turn at a time each. A conversation goes back to the
 * sequence that last served it when that one is free, so its earlier tokens are still in the KV
 * cache; otherwise it takes the least recently used free sequence.
 */
export class SequencePool {
  private readonly entries: PooledSequence[];
  private readonly waiting: Array<() => void> = [];
  private tick = 0;

  constructor(sequences: ReadonlyArray<{ readonly sequence: LlamaContextSequence; readonly group: number; readonly slot: number }>) {
    this.entries = sequences.map(({ sequence, group, slot }) => ({
      sequence,
      group,
      slot,
      evaluated: undefined,
      key: null,
      evictedKey: null,
      pinned: false,
      lastUsed: 0,
      busy: false,
      forgetOnRelease: false,
    }));
  }

  async acquire(key: string | undefined): Promise<PooledSequence> {
    for (;;) {
      const entry = this.pick(key);
      if (entry) {
        entry.busy = true;
        entry.pinned = key !== undefined && entry.key === key;
        entry.evictedKey = entry.key !== null && !entry.pinned && entry.evaluated !== undefined ? entry.key : null;
        entry.key = key ?? null;
        entry.lastUsed = ++this.tick;
        return entry;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  release(entry: PooledSequence): void {
    if (!entry.forgetOnRelease) return this.free(entry);
    entry.forgetOnRelease = false;
    void this.clear(entry).finally(() => this.free(entry));
  }

  /** Clears the sequences holding `key`'s tokens now, or when the turn running on one lets go. */
  async forget(key: string): Promise<void> {
    for (const entry of this.entries.filter((e) => e.key === key)) {
      if (entry.busy) {
        entry.forgetOnRelease = true;
        continue;
      }
      entry.busy = true;
      await this.clear(entry).finally(() => this.free(entry));
    }
  }

  private async clear(entry: PooledSequence): Promise<void> {
    entry.key = null;
    entry.evaluated = undefined;
    entry.evictedKey = null;
    await entry.sequence.clearHistory().catch(() => undefined);
  }

  private free(entry: PooledSequence): void {
    entry.busy = false;
    this.waiting.shift()?.();
  }

  async dispose(): Promise<void> {
    await Promise.all(this.entries.map((e) => e.sequence.dispose()));
  }

  private pick(key: string | undefined): PooledSequence | undefined {
    const free = this.entries.filter((e) => !e.busy);
    if (key !== undefined) {
      const pinned = free.find((e) => e.key === key);
      if (pinned) return pinned;
    }
    const busy = (group: number) => this.entries.filter((e) => e.busy && e.group === group).length;
    return free.sort((a, b) => busy(a.group) - busy(b.group) || a.lastUsed - b.lastUsed)[0];
  }
}
