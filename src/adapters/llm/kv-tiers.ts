import type { LlamaContextSequence } from "node-llama-cpp";
import { ramTierSize } from "./kv-ram-budget.js";
import { KvStateDir, type KvStateDirOptions } from "./kv-state-dir.js";
import type { EvaluatedPrompt } from "./reusable-prompt-tokens.js";
import { fromSequence, takeState, type StateWriter } from "./sequence-state.js";

export interface KvTierOptions {
  /** Host-RAM tier: a directory on tmpfs; `maxBytes` undefined = sized by ramTierSize's rule. */
  readonly ram?: { readonly dir: string; readonly maxBytes: number | undefined } | undefined;
  readonly disk?: { readonly dir: string; readonly maxBytes: number } | undefined;
  /** Saved states older than this are stale in every tier. */
  readonly maxAgeMs: number;
  /** Share each persona's evaluated prefix among new conversations (default true). */
  readonly personaPrefix?: boolean | undefined;
}

/** Where a restored state came from, for the turn's figures. */
export type KvTierName = "ram" | "disk";

/**
 * Evicted conversations' KV caches in two tiers: host RAM first (a tmpfs directory: no disk write in
 * the turn; with the patched binding the state is copied in memory and its file written beside the
 * next decode, see evict), and disk when RAM is full: the RAM tier's oldest pairs
 * move to disk in the background, never in a turn. A returning conversation restores from the
 * nearest tier; when its pair is being moved by this process, it waits for that move only.
 * Erasure removes a conversation from both tiers. Either tier may be absent.
 */
export class KvTiers {
  /** Saves and moves in progress in this process, by file name: a restore or erasure of that name waits for it. */
  private readonly moving = new Map<string, Promise<void>>();
  private pruningRam: Promise<void> | undefined;
  private pruneAgain = false;
  /** From the last save: a state's size is about its tokens times this (0 until one was saved). */
  private bytesPerToken = 0;

  readonly ram: KvStateDir | undefined;

  private constructor(
    ram: KvStateDirOptions | undefined,
    readonly disk: KvStateDir | undefined,
    /** Why there is no RAM tier, when it was asked for. */
    readonly ramOff: string | undefined,
    fingerprint: string,
  ) {
    const spill = disk ? (name: string, files: { state: string; sidecar: string }) => this.move(name, () => disk.adopt(name, files)) : undefined;
    this.ram = ram ? new KvStateDir(ram, fingerprint, spill) : undefined;
  }

  static async open(options: KvTierOptions, fingerprint: string): Promise<KvTiers | undefined> {
    const disk = options.disk && options.disk.maxBytes > 0 ? new KvStateDir({ ...options.disk, maxAgeMs: options.maxAgeMs }, fingerprint) : undefined;
    let ram: KvStateDirOptions | undefined;
    let ramOff: string | undefined;
    if (options.ram) {
      const size = await ramTierSize(options.ram.dir, options.ram.maxBytes);
      ram = size.bytes > 0 ? { dir: options.ram.dir, maxBytes: size.bytes, maxAgeMs: options.maxAgeMs } : undefined;
      ramOff = "why" in size ? size.why : size.bytes === 0 ? "LLM_KV_RAM_MB=0" : undefined;
    }
    let tiers = new KvTiers(ram, disk, ramOff, fingerprint);
    if (
      tiers.ram &&
      !(await tiers.ram.ensureDir().then(
        () => true,
        () => false,
      ))
    )
      tiers = new KvTiers(undefined, disk, `${tiers.ram.dir} cannot be written`, fingerprint);
    if (!tiers.ram && !tiers.disk) return undefined;
    await tiers.prune();
    for (const tier of [tiers.ram, tiers.disk]) await tier?.pruneOtherModels();
    return tiers;
  }

  get description(): string {
    const mb = (d: KvStateDir) => Math.round(d.maxBytes / 2 ** 20);
    return [
      this.ram ? `RAM ${mb(this.ram)} MB in ${this.ram.dir}` : `no RAM tier (${this.ramOff ?? "off"})`,
      this.disk ? `disk ${mb(this.disk)} MB in ${this.disk.dir}` : "no disk tier",
    ].join(", ");
  }

  /**
   * Saves the conversation `sequence` holds (evicted: another one takes the sequence) into the nearest
   * tier. Resolves once the sequence may be used again, with the save itself: with `overlap` and the
   * patched binding the state is copied into memory first and the file is written beside the next
   * decode (sequence-state.ts); otherwise the file is written before it resolves. Restores and
   * erasures of `key` wait for the save.
   */
  async evict(
    key: string,
    sequence: LlamaContextSequence,
    evaluated: EvaluatedPrompt,
    overlap: boolean,
  ): Promise<{ readonly saved: Promise<boolean> }> {
    const name = KvStateDir.nameOf(key);
    await this.moving.get(name);
    const taking = (
      overlap ? takeState(sequence, sequence.contextTokens.length * this.bytesPerToken) : Promise.resolve(fromSequence(sequence))
    ).catch(() => undefined);
    const saving = taking.then((state) => (state ? this.saveNearest(key, state, evaluated) : false)).catch(() => false);
    // Known to restore and forget from here: an erasure arriving meanwhile must not miss the file.
    const tracked = saving.then(() => undefined);
    this.moving.set(name, tracked);
    const saved = saving.finally(() => {
      if (this.moving.get(name) === tracked) this.moving.delete(name);
    });
    if (!(await taking)?.inMemory) await saved;
    return { saved };
  }

  private async saveNearest(key: string, state: StateWriter, evaluated: EvaluatedPrompt): Promise<boolean> {
    // A state that could never fit the RAM tier goes straight to disk rather than through tmpfs.
    const fits = state.tokens * this.bytesPerToken <= (this.ram?.maxBytes ?? 0);
    const inRam = this.ram && fits ? await this.ram.save(key, state, evaluated) : undefined;
    if (inRam !== undefined) {
      this.learn(inRam, state.tokens);
      // An older copy on disk would be restored only if this one vanished: it is out of date.
      void this.disk?.forget(key).catch(() => undefined);
      this.pruneRamInBackground();
      return true;
    }
    const onDisk = await this.disk?.save(key, state, evaluated);
    if (onDisk === undefined) return false;
    this.learn(onDisk, state.tokens);
    await this.disk!.prune();
    return true;
  }

  private learn(fileSize: number, tokens: number): void {
    if (tokens > 0) this.bytesPerToken = Math.floor(fileSize / tokens);
  }

  /** Whether a state is saved for `key` in either tier (a quick look: its restore may still fail). */
  holds(key: string): boolean {
    return (this.ram?.has(key) ?? false) || (this.disk?.has(key) ?? false);
  }

  async restore(key: string, sequence: LlamaContextSequence): Promise<{ readonly prompt: EvaluatedPrompt; readonly tier: KvTierName } | undefined> {
    const name = KvStateDir.nameOf(key);
    await this.moving.get(name);
    const fromRam = await this.ram?.restore(key, sequence);
    if (fromRam) return { prompt: fromRam, tier: "ram" };
    let fromDisk = await this.disk?.restore(key, sequence);
    // Its pair started moving from RAM to disk while we looked: wait for that one move, then look on disk.
    const move = this.moving.get(name);
    if (!fromDisk && move) {
      await move;
      fromDisk = await this.disk?.restore(key, sequence);
    }
    return fromDisk ? { prompt: fromDisk, tier: "disk" } : undefined;
  }

  async forget(key: string): Promise<void> {
    const name = KvStateDir.nameOf(key);
    await this.moving.get(name);
    await Promise.all([this.ram?.forget(key), this.disk?.forget(key)]);
    // A save or move that began meanwhile has written it again.
    const again = this.moving.get(name);
    if (again) {
      await again;
      await this.forget(key);
    }
  }

  /** Runs a RAM-to-disk move of `name`, known to restore, save and forget of that name until done. */
  private async move(name: string, copy: () => Promise<boolean>): Promise<void> {
    const done = copy().then(() => this.disk?.prune());
    const tracked = done.then(
      () => undefined,
      () => undefined,
    );
    this.moving.set(name, tracked);
    try {
      await tracked;
    } finally {
      if (this.moving.get(name) === tracked) this.moving.delete(name);
    }
  }

  /** Stale files go from both tiers; the RAM tier's overflow goes to disk. Never throws. */
  async prune(): Promise<void> {
    this.pruneRamInBackground();
    await this.pruningRam;
    await this.disk?.prune();
  }

  /** Waits for the moves in progress (at shutdown, so no half-copied pair is left). */
  async settle(): Promise<void> {
    while (this.pruningRam) await this.pruningRam;
  }

  private pruneRamInBackground(): void {
    if (!this.ram) return;
    if (this.pruningRam) {
      this.pruneAgain = true;
      return;
    }
    const ram = this.ram;
    this.pruningRam = (async () => {
      do {
        this.pruneAgain = false;
        await ram.prune();
      } while (this.pruneAgain);
    })().finally(() => {
      this.pruningRam = undefined;
    });
  }
}
