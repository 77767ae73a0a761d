import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import path from "node:path";
import { LRUCache } from "lru-cache";
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { startsWith } from "./reusable-prompt-tokens.js";

export interface PersonaPrefixOptions {
  /** The directory of a KV tier (already per model fingerprint); prefixes go to `prefix/` in it. */
  readonly dir: string;
  readonly maxBytes: number;
  readonly maxAgeMs: number;
}

/** A persona shorter than this is cheaper to evaluate than to load. */
const MIN_PREFIX_TOKENS = 32;

/**
 * Every conversation of a business starts with the same tokens: the template's start and the
 * persona (system prompt). Their KV state is evaluated once per model and exact token sequence,
 * saved as a state file, and loaded into the sequence of a conversation that does not hold them
 * yet, so its first turn evaluates only the customer's message and the template around it.
 * node-llama-cpp 3.21 has no sequence copy (llama_memory_seq_cp) in its API, hence a file; it
 * sits in the RAM tier when there is one. Files are named by a hash of the prefix tokens: a
 * changed persona is another file, and the old one ages out. A prefix file holds only the
 * persona, never a conversation, and is loaded any number of times.
 */
export class PersonaPrefixes {
  private readonly dir: string;
  private readonly bySystem = new LRUCache<string, readonly Token[]>({ max: 256 });
  /** When this process last saved or loaded each prefix file: a file known fresh is loaded without a stat first. */
  private readonly usedAt = new LRUCache<string, number>({ max: 1024 });

  constructor(
    private readonly options: PersonaPrefixOptions,
    /** The tokens every prompt with this system text starts with, up to where the first message begins. */
    private readonly prefixOf: (system: string) => readonly Token[],
  ) {
    this.dir = path.join(options.dir, "prefix");
  }

  private prefixFor(system: string): readonly Token[] {
    let tokens = this.bySystem.get(system);
    if (!tokens) this.bySystem.set(system, (tokens = this.prefixOf(system)));
    return tokens;
  }

  private fileOf(prefix: readonly Token[]): string {
    const hash = createHash("sha256")
      .update(new Uint8Array(Uint32Array.from(prefix).buffer))
      .digest("hex")
      .slice(0, 32);
    return path.join(this.dir, `${hash}.kv`);
  }

  /**
   * When `input` starts with the persona prefix of `system` and the sequence does not hold it,
   * loads it into the sequence ("loaded"), or evaluates and saves it for the next conversation
   * ("saved"). The sequence then holds exactly the prefix. Undefined: nothing done.
   */
  async prepare(sequence: LlamaContextSequence, system: string, input: readonly Token[]): Promise<"loaded" | "saved" | undefined> {
    const prefix = this.prefixFor(system);
    if (prefix.length < MIN_PREFIX_TOKENS || input.length <= prefix.length || !startsWith(input, prefix)) return undefined;
    if (startsWith(sequence.contextTokens, prefix)) return undefined;
    const file = this.fileOf(prefix);
    await sequence.clearHistory();
    if (await this.fresh(file)) {
      try {
        await sequence.loadStateFromFile(file, { acceptRisk: true });
        if (sequence.contextTokens.length === prefix.length && startsWith(sequence.contextTokens, prefix)) {
          this.touch(file);
          return "loaded";
        }
      } catch {
        // A damaged, foreign or deleted file: evaluated and written again below.
      }
      this.usedAt.delete(file);
      await sequence.clearHistory();
    }
    await sequence.evaluateWithoutGeneratingNewTokens([...prefix]);
    await this.save(sequence, file);
    return "saved";
  }

  /** Whether the file is there and young enough; from memory when this process used it lately (no stat on the turn's way). */
  private async fresh(file: string): Promise<boolean> {
    const used = this.usedAt.get(file);
    if (used !== undefined && Date.now() - used <= this.options.maxAgeMs / 2) return true;
    return stat(file).then(
      (s) => Date.now() - s.mtimeMs <= this.options.maxAgeMs,
      () => false,
    );
  }

  /** Marks the file used, so that pruning keeps it: its time is set beside the turn, not before it. */
  private touch(file: string): void {
    const now = new Date();
    this.usedAt.set(file, now.getTime());
    void utimes(file, now, now).catch(() => undefined);
  }

  private async save(sequence: LlamaContextSequence, file: string): Promise<void> {
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await sequence.saveStateToFile(tmp);
      await chmod(tmp, 0o600);
      await rename(tmp, file);
      this.usedAt.set(file, Date.now());
      await this.prune();
    } catch {
      await rm(tmp, { force: true });
    }
  }

  /** Stale prefixes go, then the least recently used until they fit their share of the tier. */
  async prune(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const files: Array<{ file: string; size: number; mtimeMs: number }> = [];
    for (const name of names) {
      const file = path.join(this.dir, name);
      const s = await stat(file).catch(() => undefined);
      if (s?.isFile()) files.push({ file, size: s.size, mtimeMs: s.mtimeMs });
    }
    files.sort((a, b) => a.mtimeMs - b.mtimeMs);
    let total = files.reduce((n, f) => n + f.size, 0);
    for (const f of files) {
      if (total <= this.options.maxBytes && Date.now() - f.mtimeMs <= this.options.maxAgeMs) continue;
      await rm(f.file, { force: true }).catch(() => undefined);
      total -= f.size;
    }
  }
}
