import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { LlamaText, type LlamaContextSequence, type Token } from "node-llama-cpp";
import type { EvaluatedPrompt } from "./reusable-prompt-tokens.js";

export interface KvDiskOptions {
  /** Directory for the state files; a subdirectory per model fingerprint is created in it. */
  readonly dir: string;
  /** Upper bound on the bytes kept; the oldest files are deleted first. */
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

/**
 * Keeps an evicted conversation's KV cache on disk so that its next turn loads it instead of
 * evaluating the whole prompt again (bench section 7). A state file is only valid for the model
 * file and KV type it was written with (loading another model's state may crash llama.cpp), so
 * files live under a directory named by that fingerprint and the sidecar repeats it. Files are
 * named by a hash of the conversation key; the sidecar holds the evaluated prompt (tokens and
 * rendered text) so that reuse stays exact. A restore first renames the pair to a private name,
 * so two workers sharing the directory never load the same file, and deletes it afterwards: a
 * state is used at most once. Anything unexpected (missing, truncated, foreign, stale) means no
 * restore, and the turn re-evaluates its prompt as it would without this store.
 */
export class KvDiskStore {
  private readonly dir: string;

  constructor(
    private readonly options: KvDiskOptions,
    private readonly fingerprint: string,
  ) {
    this.dir = path.join(options.dir, createHash("sha256").update(fingerprint).digest("hex").slice(0, 16));
  }

  /** Fingerprint of what a state file depends on: the model file (path, size, mtime) and the KV cache type. */
  static async fingerprintOf(modelPath: string, kvCacheType: string | undefined): Promise<string> {
    const s = await stat(modelPath);
    return JSON.stringify({ model: path.resolve(modelPath), size: s.size, mtimeMs: s.mtimeMs, kv: kvCacheType ?? "F16" });
  }

  /** The file base name for a conversation: a hash, never the key itself. */
  baseName(key: string): string {
    return path.join(this.dir, createHash("sha256").update(key).digest("hex").slice(0, 32));
  }

  /** Saves the sequence's state for `key`; a failure only costs the next turn a re-evaluation. */
  async save(key: string, sequence: LlamaContextSequence, evaluated: EvaluatedPrompt): Promise<boolean> {
    const base = this.baseName(key);
    const tmp = `${base}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const { fileSize } = await sequence.saveStateToFile(`${tmp}${STATE}`);
      const sidecar: Sidecar = { fingerprint: this.fingerprint, fileSize, tokens: evaluated.tokens, text: evaluated.text.toJSON() };
      await writeFile(`${tmp}${SIDECAR}`, JSON.stringify(sidecar), { mode: 0o600 });
      // The sidecar goes last: a state file without its sidecar is never loaded.
      await rename(`${tmp}${STATE}`, `${base}${STATE}`);
      await rename(`${tmp}${SIDECAR}`, `${base}${SIDECAR}`);
      await this.prune();
      return true;
    } catch {
      await Promise.all([rm(`${tmp}${STATE}`, { force: true }), rm(`${tmp}${SIDECAR}`, { force: true })]);
      return false;
    }
  }

  /**
   * Loads `key`'s saved state into `sequence` and returns the prompt it holds. Undefined when
   * there is none (the sequence is left as it was, so a shared prefix is still reused) or when it
   * cannot be used (the sequence is then cleared).
   */
  async restore(key: string, sequence: LlamaContextSequence): Promise<EvaluatedPrompt | undefined> {
    const base = this.baseName(key);
    const claimed = `${base}.${process.pid}.${randomBytes(4).toString("hex")}.claimed`;
    try {
      await rename(`${base}${SIDECAR}`, `${claimed}${SIDECAR}`);
      await rename(`${base}${STATE}`, `${claimed}${STATE}`);
    } catch {
      await this.discard(claimed);
      return undefined;
    }
    try {
      const sidecar = JSON.parse(await readFile(`${claimed}${SIDECAR}`, "utf8")) as Sidecar;
      const state = await stat(`${claimed}${STATE}`);
      if (sidecar.fingerprint !== this.fingerprint || state.size !== sidecar.fileSize || Date.now() - state.mtimeMs > this.options.maxAgeMs) return undefined;
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

  /** Deletes whatever is saved for `key` (e.g. when the conversation's messages are erased). */
  async forget(key: string): Promise<void> {
    await this.discard(this.baseName(key));
  }

  private async discard(base: string): Promise<void> {
    await Promise.all([rm(`${base}${STATE}`, { force: true }), rm(`${base}${SIDECAR}`, { force: true })]);
  }

  /** Deletes stale files, then the oldest until the directory fits the byte cap; never throws. */
  async prune(): Promise<void> {
    await this.pruneOwn().catch(() => undefined);
  }

  /** At startup: stale files left by other models (another fingerprint directory) are deleted too. */
  async pruneOtherModels(): Promise<void> {
    const dirs = await readdir(this.options.dir, { withFileTypes: true }).catch(() => []);
    for (const d of dirs) {
      const sub = path.join(this.options.dir, d.name);
      if (!d.isDirectory() || sub === this.dir) continue;
      for (const name of await readdir(sub).catch(() => [] as string[])) {
        const file = path.join(sub, name);
        const s = await stat(file).catch(() => undefined);
        if (s?.isFile() && Date.now() - s.mtimeMs > this.options.maxAgeMs) await rm(file, { force: true }).catch(() => undefined);
      }
    }
  }

  private async pruneOwn(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const files: Array<{ base: string; size: number; mtimeMs: number }> = [];
    for (const name of names) {
      const s = await stat(path.join(this.dir, name)).catch(() => undefined);
      // Left behind by a process that died while saving or restoring.
      if (s && (name.includes(".tmp") || name.includes(".claimed"))) {
        if (Date.now() - s.mtimeMs > this.options.maxAgeMs) await rm(path.join(this.dir, name), { force: true });
        continue;
      }
      if (!name.endsWith(STATE)) continue;
      if (s) files.push({ base: path.join(this.dir, name.slice(0, -STATE.length)), size: s.size, mtimeMs: s.mtimeMs });
    }
    files.sort((a, b) => a.mtimeMs - b.mtimeMs);
    let total = files.reduce((n, f) => n + f.size, 0);
    for (const f of files) {
      if (total <= this.options.maxBytes && Date.now() - f.mtimeMs <= this.options.maxAgeMs) continue;
      await this.discard(f.base);
      total -= f.size;
    }
  }
}
