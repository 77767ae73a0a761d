import { performance } from "node:perf_hooks";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { round } from "./stats.js";

export interface DecodeOnlyLevel {
  readonly concurrent: number;
  readonly steps: number;
  readonly msPerStep: number;
  readonly tokensPerSec: number;
  readonly speedupVsOne: number;
}

interface NativeContext {
  initBatch(size: number): void;
  addToBatch(sequenceId: number, firstTokenIndex: number, tokens: Uint32Array, logitIndexes: Uint32Array): Uint32Array;
  decodeBatch(): Promise<void>;
  removeTokenCellsFromSequence(sequenceId: number, start: number, end: number): boolean;
}

/**
 * The engine's own ceiling for section 3: one decode per step carrying one token (with its logits)
 * for each of N sequences, consecutive ids, through node-llama-cpp's native calls, with no
 * sampling, no generation loop and no JavaScript between steps but the calls themselves. What
 * batching N conversations can give on this model at most, whatever the code around it does.
 * Uses node-llama-cpp 3.21 internals (the context's `_ctx`), checked below.
 */
export async function measureDecodeOnly(
  modelPath: string,
  options: {
    readonly threads: number;
    readonly promptText: string;
    readonly levels: readonly number[];
    readonly steps: number;
    readonly passes: number;
  },
): Promise<DecodeOnlyLevel[]> {
  const llama = await getLlama({ gpu: false, build: "never", maxThreads: options.threads, logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath });
  const maxLevel = Math.max(...options.levels);
  const context = await model.createContext({ contextSize: 2048, sequences: maxLevel, threads: options.threads });
  try {
    const promptTokens = model.tokenize(options.promptText, true);
    const sequences = Array.from({ length: maxLevel }, () => context.getSequence());
    for (const s of sequences) await s.evaluateWithoutGeneratingNewTokens(promptTokens);
    const native = (context as unknown as { _ctx?: Partial<NativeContext> })._ctx;
    if (!native || typeof native.initBatch !== "function" || typeof native.addToBatch !== "function" || typeof native.decodeBatch !== "function") {
      throw new Error("decode-only: node-llama-cpp's native context no longer has initBatch/addToBatch/decodeBatch (internals changed)");
    }
    const ctx = native as NativeContext;
    const start = promptTokens.length;
    const totals = new Map<number, { ms: number; steps: number }>();
    for (let pass = 0; pass < options.passes; pass++) {
      for (const n of options.levels) {
        const t0 = performance.now();
        for (let step = 0; step < options.steps; step++) {
          ctx.initBatch(n);
          for (let id = 0; id < n; id++)
            ctx.addToBatch(id, start + step, Uint32Array.from([promptTokens[(step + id) % start]!]), Uint32Array.from([0]));
          await ctx.decodeBatch();
        }
        const ms = performance.now() - t0;
        for (let id = 0; id < n; id++) ctx.removeTokenCellsFromSequence(id, start, start + options.steps);
        if (pass === 0) continue; // warm-up
        const t = totals.get(n) ?? { ms: 0, steps: 0 };
        totals.set(n, { ms: t.ms + ms, steps: t.steps + options.steps });
      }
    }
    const levels: DecodeOnlyLevel[] = [];
    for (const n of options.levels) {
      const t = totals.get(n)!;
      const tokensPerSec = (n * t.steps * 1000) / t.ms;
      const base = levels[0]?.tokensPerSec ?? tokensPerSec;
      levels.push({
        concurrent: n,
        steps: t.steps,
        msPerStep: round(t.ms / t.steps, 3),
        tokensPerSec: round(tokensPerSec, 1),
        speedupVsOne: round(tokensPerSec / base, 2),
      });
    }
    return levels;
  } finally {
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  }
}
