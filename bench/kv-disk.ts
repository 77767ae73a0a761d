import { execFile } from "node:child_process";
import { mkdir, mkdtemp, open, rm } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { getLlama, Llama2ChatWrapper, LlamaLogLevel, type LlamaContextSequence, type LlamaModel, type Token } from "node-llama-cpp";
import type { Config } from "../src/config/index.js";
import { toChatHistory } from "../src/adapters/llm/to-chat-history.js";
import { bakeryMessage } from "./support/bakery-script.js";
import type { ModelChoice } from "./support/bench-model.js";
import type { Deadline } from "./support/deadline.js";
import { round, summarize, type Summary } from "./support/stats.js";

const run = promisify(execFile);

export interface KvDiskOptions {
  readonly system: string;
  readonly sizes: readonly number[];
  readonly repetitions: number;
  /** Where the state files go: a directory on the same disk the worker would use (not tmpfs). */
  readonly dir: string;
  /** A tmpfs directory for the host-RAM tier's figures (skipped when undefined). */
  readonly ramDir?: string | undefined;
  readonly deadline: Deadline;
}

export interface KvDiskSize {
  readonly promptTokens: number;
  readonly repetitions: number;
  /** (a) clear the sequence, evaluate the whole prompt, sample the first new token. */
  readonly reevaluateMs: Summary;
  /** (b) saveStateToFile of the prompt minus its last token (what an evicted conversation would leave). */
  readonly saveMs: Summary;
  /** fdatasync of that file after the save: what it costs to have it on disk rather than in the page cache. */
  readonly syncMs: Summary;
  /** (c) clear, loadStateFromFile with the file still in the page cache, evaluate the last prompt token, sample. */
  readonly restoreWarmMs: Summary;
  /** (c) the same after dropping the file from the page cache (dd iflag=nocache): read from the disk. */
  readonly restoreColdMs: Summary;
  /** (b) and (c) with the file on tmpfs: the host-RAM tier (empty when there is no tmpfs directory). */
  readonly saveRamMs: Summary;
  readonly restoreRamMs: Summary;
  readonly fileMb: number;
  readonly kvBytesPerToken: number;
  /** Repetitions whose restored sequence sampled the same first token (temperature 0) as the re-evaluated one. */
  readonly sameFirstToken: number;
  /** reevaluate p50 / restore p50. */
  readonly speedupWarm: number;
  readonly speedupCold: number;
}

export interface KvDiskResult {
  readonly model: string;
  readonly threads: number;
  readonly contextSize: number;
  readonly kvCacheType: string;
  readonly coldCacheDrop: boolean;
  /** Whether the tmpfs (host-RAM tier) columns were measured. */
  readonly ramTier: boolean;
  readonly sizes: KvDiskSize[];
  readonly truncated: boolean;
}

/**
 * Section 7. Whether an evicted conversation's KV cache is cheaper to keep on disk than to
 * re-evaluate. One context with one sequence; for each prompt size and repetition, interleaved
 * so machine noise hits both ways alike: (a) re-evaluate the prompt into a cleared sequence and
 * sample the first token; (b) save the state of the prompt minus its last token; (c) restore it
 * into a cleared sequence, evaluate the last token and sample, once warm (file in the page cache,
 * as right after eviction) and once cold (dropped from the cache first). Both ways end with the
 * same tokens in the sequence; the first token sampled at temperature 0 must be the same.
 */
export async function runKvDisk(config: Config, choice: ModelChoice, options: KvDiskOptions): Promise<KvDiskResult> {
  const largest = Math.max(...options.sizes);
  const contextSize = Math.max(config.model.contextSize, largest + 16);
  const llama = await getLlama({ gpu: false, build: "never", maxThreads: config.model.threads, logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: choice.path });
  const kvType = config.model.kvCacheType;
  const context = await model.createContext({
    contextSize,
    sequences: 1,
    threads: config.model.threads,
    ...(kvType ? { experimentalKvCacheKeyType: kvType as never, experimentalKvCacheValueType: kvType as never } : {}),
  });
  const sequence = context.getSequence();
  await mkdir(options.dir, { recursive: true });
  const dir = await mkdtemp(path.join(options.dir, "kv-disk-"));
  const coldCacheDrop = await canDropCache(dir);
  const ramDir = options.ramDir ? await mkdtemp(path.join(options.ramDir, "kv-ram-")).catch(() => undefined) : undefined;
  const tokens = longPrompt(model, options.system, largest);
  const sizes: KvDiskSize[] = [];
  let truncated = false;
  try {
    for (const size of options.sizes) {
      const prompt = tokens.slice(0, size);
      const file = path.join(dir, `state-${size}.bin`);
      const t = {
        reevaluate: [] as number[],
        save: [] as number[],
        sync: [] as number[],
        warm: [] as number[],
        cold: [] as number[],
        saveRam: [] as number[],
        restoreRam: [] as number[],
      };
      const ramFile = ramDir ? path.join(ramDir, `state-${size}.bin`) : undefined;
      let fileSize = 0;
      let same = 0;
      for (let rep = 0; rep < options.repetitions; rep++) {
        if (options.deadline.passed()) {
          truncated = true;
          break;
        }
        await sequence.clearHistory();
        let started = performance.now();
        const reevaluated = await firstToken(sequence, prompt);
        t.reevaluate.push(performance.now() - started);

        await sequence.clearHistory();
        await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
        started = performance.now();
        fileSize = (await sequence.saveStateToFile(file)).fileSize;
        t.save.push(performance.now() - started);
        started = performance.now();
        await datasync(file);
        t.sync.push(performance.now() - started);

        await sequence.clearHistory();
        started = performance.now();
        const warm = await restoreAndSample(sequence, file, prompt);
        t.warm.push(performance.now() - started);

        let cold = reevaluated;
        if (coldCacheDrop) {
          await dropFromPageCache(file);
          await sequence.clearHistory();
          started = performance.now();
          cold = await restoreAndSample(sequence, file, prompt);
          t.cold.push(performance.now() - started);
        }
        let fromRam = reevaluated;
        if (ramFile) {
          await sequence.clearHistory();
          await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
          started = performance.now();
          await sequence.saveStateToFile(ramFile);
          t.saveRam.push(performance.now() - started);
          await sequence.clearHistory();
          started = performance.now();
          fromRam = await restoreAndSample(sequence, ramFile, prompt);
          t.restoreRam.push(performance.now() - started);
          await rm(ramFile, { force: true });
        }
        if (warm === reevaluated && cold === reevaluated && fromRam === reevaluated) same++;
        await rm(file, { force: true });
      }
      if (t.reevaluate.length === 0) break;
      const s = {
        reevaluate: summarize(t.reevaluate),
        save: summarize(t.save),
        sync: summarize(t.sync),
        warm: summarize(t.warm),
        cold: summarize(t.cold),
        saveRam: summarize(t.saveRam),
        restoreRam: summarize(t.restoreRam),
      };
      sizes.push({
        promptTokens: size,
        repetitions: t.reevaluate.length,
        reevaluateMs: s.reevaluate,
        saveMs: s.save,
        syncMs: s.sync,
        restoreWarmMs: s.warm,
        restoreColdMs: s.cold,
        saveRamMs: s.saveRam,
        restoreRamMs: s.restoreRam,
        fileMb: round(fileSize / 2 ** 20, 2),
        kvBytesPerToken: Math.round(fileSize / (size - 1)),
        sameFirstToken: same,
        speedupWarm: round(s.reevaluate.p50 / s.warm.p50, 2),
        speedupCold: round(s.reevaluate.p50 / s.cold.p50, 2),
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    if (ramDir) await rm(ramDir, { recursive: true, force: true });
    await sequence.dispose();
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  }
  return {
    model: choice.tiny ? "tiny" : choice.path,
    threads: config.model.threads,
    contextSize,
    kvCacheType: kvType ?? "F16",
    coldCacheDrop,
    ramTier: ramDir !== undefined,
    sizes,
    truncated,
  };
}

async function firstToken(sequence: LlamaContextSequence, input: readonly Token[]): Promise<Token | undefined> {
  for await (const token of sequence.evaluate([...input], { temperature: 0, yieldEogToken: true })) return token;
  return undefined;
}

async function restoreAndSample(sequence: LlamaContextSequence, file: string, prompt: readonly Token[]): Promise<Token | undefined> {
  await sequence.loadStateFromFile(file, { acceptRisk: true });
  if (sequence.nextTokenIndex !== prompt.length - 1) throw new Error(`restored ${sequence.nextTokenIndex} tokens, expected ${prompt.length - 1}`);
  return firstToken(sequence, prompt.slice(-1));
}

/** A bakery conversation rendered by the Llama-2 chat template, tokenized, at least `tokens` long. */
function longPrompt(model: LlamaModel, system: string, tokens: number): Token[] {
  const wrapper = new Llama2ChatWrapper();
  const turns: Array<{ role: "user" | "assistant"; text: string }> = [];
  for (let i = 0; ; i++) {
    turns.push(
      { role: "user", text: bakeryMessage(i) },
      { role: "assistant", text: `Thank you for asking! ${bakeryMessage(i + 7)} We are happy to help with that at Sunrise Bakery.` },
    );
    const text = wrapper.generateContextState({
      chatHistory: toChatHistory({ system, turns: [...turns, { role: "user", text: bakeryMessage(i + 1) }] }),
    }).contextText;
    const all = text.tokenize(model.tokenizer);
    if (all.length >= tokens) return all;
  }
}

async function datasync(file: string): Promise<void> {
  const handle = await open(file, "r+");
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** GNU dd: `iflag=nocache count=0` asks the kernel to drop this one file's clean pages (posix_fadvise DONTNEED). */
async function dropFromPageCache(file: string): Promise<void> {
  await run("dd", [`if=${file}`, "iflag=nocache", "count=0", "status=none"]);
}

async function canDropCache(dir: string): Promise<boolean> {
  const probe = path.join(dir, "probe");
  try {
    const handle = await open(probe, "w");
    await handle.writeFile("x");
    await handle.datasync();
    await handle.close();
    await dropFromPageCache(probe);
    return true;
  } catch {
    return false;
  } finally {
    await rm(probe, { force: true });
  }
}
