import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { LlamaText, type LlamaContextSequence, type Token } from "node-llama-cpp";
import type { EvaluatedPrompt } from "./reusable-prompt-tokens.js";
import type { StateWriter } from "./sequence-state.js";

export interface KvStateDirOptions {
  /** Directory for the state files; a subdirectory per model fingerprint is created in it. */
  readonly dir: string;
  /** Upper bound on the bytes kept; beyond it the oldest files go first (deleted, or handed to `overflow`). */
  readonly maxBytes: number;
  /** Files older than this are stale: never restored, deleted when found. */
  readonly maxAgeMs: number;
}

interface Sidecar {
  readonly fingerprint: string;
  readonly fileSize: number;
  readonly tokens: readonly Token[];
  readonly text: ReturnType<LlamaText["toJSON"]>;
}

const STATE = ".kv";
const SIDECAR = ".json";
/** They hold conversation text: only this user may read them. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** What a full directory does with its oldest pair instead of deleting it (the RAM tier spills to disk). */
export type Overflow = (name: string, files: { readonly state: string; readonly sidecar: string }) => Promise<void>;

/**
 * One tier of saved KV caches (host RAM through tmpfs, or disk), so that an evicted conversation's
 * next turn loads its cache instead of evaluating the whole prompt again (bench section 7). A state
 * file is only valid for the model file and KV type it was written with (loading another model's
 * state may crash llama.cpp), so files live under a directory named by that fingerprint and the
 * sidecar repeats it. Files are named by a hash of the conversation key (the same name in every
 * tier); the sidecar holds the evaluated prompt (tokens and rendered text) so that reuse stays
 * exact. A restore first renames the pair to a private name, so two workers sharing the directory
 * never load the same file, and deletes it afterwards: a state is used at most once. Anything
 * unexpected (missing, truncated, foreign, stale) means no restore, and the turn re-evaluates its
 * prompt as it would without this store.
 */
export class KvStateDir {
  readonly dir: string;

  constructor(
    private readonly options: KvStateDirOptions,
    private readonly fingerprint: string,
    private readonly overflow?: Overflow,
  ) {
    this.dir = path.join(options.dir, createHash("sha256").update(fingerprint).digest("hex").slice(0, 16));
  }

  /**
   * Fingerprint of what a state file depends on: the model file (path, size, mtime), the KV cache
   * type, and the contexts' sequence counts (llama.cpp refuses a state from a context with another
   * number of sequences: "n_stream mismatch"; workers with other LLM_SEQUENCES share no states).
   */
  static async fingerprintOf(modelPath: string, kvCacheType: string | undefined, sequencesPerContext: readonly number[]): Promise<string> {
    const s = await stat(modelPath);
    return JSON.stringify({
      model: path.resolve(modelPath),
      size: s.size,
      mtimeMs: s.mtimeMs,
      kv: kvCacheType ?? "F16",
      sequences: sequencesPerContext,
    });
  }

  /** The file name for a conversation, the same in every tier: a hash, never the key itself. */
  static nameOf(key: string): string {
    return createHash("sha256").update(key).digest("hex").slice(0, 32);
  }

  get maxBytes(): number {
    return this.options.maxBytes;
  }

  private base(name: string): string {
    return path.join(this.dir, name);
  }

  private tmpName(base: string, suffix: string): string {
    return `${base}.${process.pid}.${randomBytes(4).toString("hex")}.${suffix}`;
  }

  async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: DIR_MODE });
    await chmod(this.dir, DIR_MODE);
  }

  /** Saves a sequence's state for `key` and returns its size; a failure (undefined) only costs the next turn a re-evaluation. */
  async save(key: string, state: StateWriter, evaluated: EvaluatedPrompt): Promise<number | undefined> {
    const base = this.base(KvStateDir.nameOf(key));
    const tmp = this.tmpName(base, "tmp");
    try {
      await this.ensureDir();
      const fileSize = await state.write(`${tmp}${STATE}`, FILE_MODE);
      const sidecar: Sidecar = { fingerprint: this.fingerprint, fileSize, tokens: evaluated.tokens, text: evaluated.text.toJSON() };
      await writeFile(`${tmp}${SIDECAR}`, JSON.stringify(sidecar), { mode: FILE_MODE });
      await this.publish(tmp, base);
      return fileSize;
    } catch {
      await this.discard(tmp);
      return undefined;
    }
  }

  /** Takes in a pair written elsewhere (another tier's), as the state saved for that file name. */
  async adopt(name: string, files: { readonly state: string; readonly sidecar: string }): Promise<boolean> {
    const base = this.base(name);
    const tmp = this.tmpName(base, "tmp");
    try {
      await this.ensureDir();
      await copyFile(files.state, `${tmp}${STATE}`);
      await copyFile(files.sidecar, `${tmp}${SIDECAR}`);
      await Promise.all([chmod(`${tmp}${STATE}`, FILE_MODE), chmod(`${tmp}${SIDECAR}`, FILE_MODE)]);
      // Its age goes with it: a moved state expires when it would have where it was saved.
      const saved = await stat(files.state);
      await utimes(`${tmp}${STATE}`, saved.atime, saved.mtime);
      await this.publish(tmp, base);
      return true;
    } catch {
      await this.discard(tmp);
      return false;
    }
  }

  private async publish(tmp: string, base: string): Promise<void> {
    // The sidecar goes last: a state file without its sidecar is never loaded.
    await rename(`${tmp}${STATE}`, `${base}${STATE}`);
    await rename(`${tmp}${SIDECAR}`, `${base}${SIDECAR}`);
  }

  /**
   * Loads `key`'s saved state into `sequence` and returns the prompt it holds. Undefined when
   * there is none (the sequence is left as it was, so a shared prefix is still reused) or when it
   * cannot be used (the sequence is then cleared).
   */
  async restore(key: string, sequence: LlamaContextSequence): Promise<EvaluatedPrompt | undefined> {
    // A new conversation has nothing saved: one look, rather than a failed claim's renames and removals (~0.5 ms a tier).
    if (!this.has(key)) return undefined;
    const claimed = await this.claim(KvStateDir.nameOf(key), "claimed");
    if (!claimed) return undefined;
    try {
      const sidecar = JSON.parse(await readFile(`${claimed}${SIDECAR}`, "utf8")) as Sidecar;
      const state = await stat(`${claimed}${STATE}`);
      if (sidecar.fingerprint !== this.fingerprint || state.size !== sidecar.fileSize || Date.now() - state.mtimeMs > this.options.maxAgeMs)
        return undefined;
      await sequence.clearHistory();
      await sequence.loadStateFromFile(`${claimed}${STATE}`, { acceptRisk: true });
      const held = sequence.contextTokens;
      if (held.length < sidecar.tokens.length || sidecar.tokens.some((t, i) => held[i] !== t)) {
        await sequence.clearHistory();
        return undefined;
      }
      return { tokens: sidecar.tokens, text: LlamaText.fromJSON(sidecar.text) };
    } catch {
      await sequence.clearHistory().catch(() => undefined);
      return undefined;
    } finally {
      await this.discard(claimed);
    }
  }

  /** Renames the pair to a private name (the rule that keeps two workers from using one state); undefined if it is not there. */
  private async claim(name: string, suffix: string): Promise<string | undefined> {
    const base = this.base(name);
    const claimed = this.tmpName(base, suffix);
    try {
      await rename(`${base}${SIDECAR}`, `${claimed}${SIDECAR}`);
      await rename(`${base}${STATE}`, `${claimed}${STATE}`);
      return claimed;
    } catch {
      await this.discard(claimed);
      return undefined;
    }
  }

  /** Whether a state is saved for `key` (a quick look: restore may still find it unusable). */
  has(key: string): boolean {
    return existsSync(`${this.base(KvStateDir.nameOf(key))}${STATE}`);
  }

  /** Deletes whatever is saved for `key` (e.g. when the conversation's messages are erased). */
  async forget(key: string): Promise<void> {
    await this.discard(this.base(KvStateDir.nameOf(key)));
  }

  private async discard(base: string): Promise<void> {
    await Promise.all([rm(`${base}${STATE}`, { force: true }), rm(`${base}${SIDECAR}`, { force: true })]);
  }

  /** Deletes stale files, then moves out (or deletes) the oldest until the directory fits the byte cap; never throws. */
  async prune(): Promise<void> {
    await this.pruneOwn().catch(() => undefined);
  }

  /** At startup: stale files left by other models (another fingerprint directory) are deleted too. */
  async pruneOtherModels(): Promise<void> {
    const dirs = await readdir(this.options.dir, { withFileTypes: true }).catch(() => []);
    for (const d of dirs) {
      const sub = path.join(this.options.dir, d.name);
      if (!d.isDirectory() || sub === this.dir) continue;
      for (const entry of await readdir(sub, { recursive: true }).catch(() => [] as string[])) {
        const file = path.join(sub, entry);
        const s = await stat(file).catch(() => undefined);
        if (s?.isFile() && Date.now() - s.mtimeMs > this.options.maxAgeMs) await rm(file, { force: true }).catch(() => undefined);
      }
    }
  }

  private async pruneOwn(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const files: Array<{ name: string; size: number; mtimeMs: number }> = [];
    for (const name of names) {
      const s = await stat(path.join(this.dir, name)).catch(() => undefined);
      if (!s?.isFile()) continue;
      // Left behind by a process that died while saving, restoring or moving a pair.
      if (name.includes(".tmp") || name.includes(".claimed") || name.includes(".moving")) {
        if (Date.now() - s.mtimeMs > this.options.maxAgeMs) await rm(path.join(this.dir, name), { force: true });
        continue;
      }
      if (!name.endsWith(STATE)) continue;
      files.push({ name: name.slice(0, -STATE.length), size: s.size, mtimeMs: s.mtimeMs });
    }
    files.sort((a, b) => a.mtimeMs - b.mtimeMs);
    let total = files.reduce((n, f) => n + f.size, 0);
    for (const f of files) {
      const stale = Date.now() - f.mtimeMs > this.options.maxAgeMs;
      if (total <= this.options.maxBytes && !stale) continue;
      total -= f.size;
      if (stale || !this.overflow) {
        await this.discard(this.base(f.name));
        continue;
      }
      const moving = await this.claim(f.name, "moving");
      if (!moving) continue;
      try {
        await this.overflow(f.name, { state: `${moving}${STATE}`, sidecar: `${moving}${SIDECAR}` });
      } finally {
        await this.discard(moving);
      }
    }
  }
}
