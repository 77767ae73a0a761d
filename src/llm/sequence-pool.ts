import type { LlamaContextSequence } from "node-llama-cpp";
import { LlamaChat, Llama2ChatWrapper } from "node-llama-cpp";

export interface PooledSequence {
  readonly sequence: LlamaContextSequence;
  readonly chat: LlamaChat;
  key: string | null;
  lastUsed: number;
  busy: boolean;
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

  constructor(sequences: readonly LlamaContextSequence[]) {
    this.entries = sequences.map((sequence) => ({
      sequence,
      chat: new LlamaChat({ contextSequence: sequence, chatWrapper: new Llama2ChatWrapper() }),
      key: null,
      lastUsed: 0,
      busy: false,
    }));
  }

  async acquire(key: string | undefined): Promise<PooledSequence> {
    for (;;) {
      const entry = this.pick(key);
      if (entry) {
        entry.busy = true;
        entry.key = key ?? null;
        entry.lastUsed = ++this.tick;
        return entry;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  release(entry: PooledSequence): void {
    entry.busy = false;
    this.waiting.shift()?.();
  }

  dispose(): void {
    for (const e of this.entries) e.chat.dispose({ disposeSequence: true });
  }

  private pick(key: string | undefined): PooledSequence | undefined {
    const free = this.entries.filter((e) => !e.busy);
    if (key !== undefined) {
      const pinned = free.find((e) => e.key === key);
      if (pinned) return pinned;
    }
    return free.sort((a, b) => a.lastUsed - b.lastUsed)[0];
  }
}
