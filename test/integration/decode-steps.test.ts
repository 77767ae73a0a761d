import { getLlama, LlamaLogLevel, type Llama, type LlamaContext, type LlamaModel, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DecodeSteps } from "../../src/adapters/llm/decode-steps.js";
import { generateOnSequence } from "../../src/adapters/llm/generate-on-sequence.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { MODEL_CACHE_DIR } from "../../test-kit/test-env.js";

// The decode loop on the real engine (tiny model): what it must keep of node-llama-cpp's own
// evaluation (the sequence's tokens and token meter), how it shares batches, and how it fails.
let llama: Llama;
let model: LlamaModel;

beforeAll(async () => {
  llama = await getLlama({ gpu: false, build: "never", maxThreads: 1, logLevel: LlamaLogLevel.error });
  model = await llama.loadModel({ modelPath: await ensureTinyModel(MODEL_CACHE_DIR) });
}, 60_000);

afterAll(async () => {
  await model?.dispose();
  await llama?.dispose();
});

const greedy = { temperature: 0, seed: 1, stopTexts: [] as string[] };
const tokens = (text: string) => model.tokenize(text, true) as Token[];

/** Counts decodes and the sequences (and tokens) each carried, by wrapping the context's native calls (node-llama-cpp internals). */
function spy(context: LlamaContext): Array<{ sequences: number[]; size: number }> {
  const batches: Array<{ sequences: number[]; size: number }> = [];
  const internals = context as unknown as { _ctx: Record<string, (...a: unknown[]) => unknown> };
  const native = internals._ctx;
  internals._ctx = new Proxy(native, {
    get(target, name) {
      const value = Reflect.get(target, name) as (...a: unknown[]) => unknown;
      if (typeof value !== "function") return value;
      if (name === "initBatch") return (size: number) => (batches.push({ sequences: [], size }), value.call(target, size));
      if (name === "addToBatch") return (...a: unknown[]) => (batches.at(-1)!.sequences.push(a[0] as number), value.apply(target, a));
      return value.bind(target);
    },
  });
  return batches;
}

describe("the decode loop (decode-steps.ts)", () => {
  it("keeps the sequence's own record: its tokens are the prompt and the reply, its meter counts them as node-llama-cpp would", async () => {
    const context = await model.createContext({ contextSize: 512, sequences: 1, threads: 1 });
    try {
      const sequence = context.getSequence();
      const input = tokens("You are the assistant of a bakery. Are you open on Sunday?");
      const before = sequence.tokenMeter.getState();
      const result = await generateOnSequence(sequence, input, {
        ...greedy,
        maxTokens: 12,
        signal: new AbortController().signal,
        steps: new DecodeSteps(context),
        slot: 0,
      });
      expect(result.stopReason).toBe("maxTokens");
      const used = sequence.tokenMeter.diff(before);
      // The prompt is read once (its last token yields the first reply token); each later step feeds one reply token.
      expect(used.usedInputTokens).toBe(input.length - 1);
      expect(used.usedOutputTokens).toBe(12);
      expect(sequence.nextTokenIndex).toBe(input.length + 11);
      expect(sequence.contextTokens.slice(0, input.length)).toEqual(input);
      // node-llama-cpp's own operations still line up with the cells: erase the reply and evaluate it again.
      const reply = sequence.contextTokens.slice(input.length);
      await sequence.eraseContextTokenRanges([{ start: input.length, end: sequence.nextTokenIndex }]);
      expect(sequence.nextTokenIndex).toBe(input.length);
      await sequence.evaluateWithoutGeneratingNewTokens(reply);
      expect(sequence.contextTokens).toEqual([...input, ...reply]);
    } finally {
      await context.dispose();
    }
  }, 60_000);

  it("reads a newcomer's long prompt in slices of the batch while the running generation keeps stepping", async () => {
    const context = await model.createContext({ contextSize: 1024, sequences: 2, threads: 1, batchSize: 64 });
    try {
      const steps = new DecodeSteps(context);
      const [first, second] = [context.getSequence(), context.getSequence()];
      const batches = spy(context);
      const signal = new AbortController().signal;
      const long = tokens(Array.from({ length: 40 }, (_, i) => `line ${i}: we bake rye, spelt and sourdough bread.`).join("\n"));
      expect(long.length).toBeGreaterThan(64 * 4);
      // Started together: the short prompt is read in the first step, the long one takes at least five.
      const [alone, newcomer] = await Promise.all([
        generateOnSequence(first!, tokens("Hi!"), { ...greedy, maxTokens: 40, signal, steps, slot: 0 }),
        generateOnSequence(second!, long, { ...greedy, maxTokens: 4, signal, steps, slot: 1 }),
      ]);
      expect(newcomer.text.length + alone.text.length).toBeGreaterThan(0);
      expect(Math.max(...batches.map((b) => b.size))).toBeLessThanOrEqual(64);
      // Batches that carried a slice of the newcomer's prompt also carried the running generation's token.
      const shared = batches.filter((b) => b.sequences.includes(0) && b.sequences.includes(1) && b.size > 2);
      expect(shared.length).toBeGreaterThanOrEqual(4);
      for (const b of batches) expect(b.sequences).toEqual([...b.sequences].sort((x, y) => x - y));
    } finally {
      await context.dispose();
    }
  }, 60_000);

  it("reads the prompts of turns that start together in one first step, when the later ones were announced", async () => {
    const signal = new AbortController().signal;
    const burst = async (announce: boolean) => {
      const context = await model.createContext({ contextSize: 512, sequences: 3, threads: 1 });
      try {
        // A long bound, so a loaded machine preparing a turn slowly does not decide the test.
        const steps = new DecodeSteps(context, { newcomerWaitMs: 2_000 });
        const sequences = [0, 1, 2].map(() => context.getSequence());
        const batches = spy(context);
        const announced = [0, 1, 2].map(() => (announce ? steps.expect() : undefined));
        // Each turn prepares its sequence for a while first (as a turn restores state or erases an old reply), the later ones longer.
        const replies = await Promise.all(
          sequences.map(async (sequence, i) => {
            await new Promise((resolve) => setTimeout(resolve, i));
            return generateOnSequence(sequence, tokens(`Customer ${i}: is the rye bread ready?`), {
              ...greedy,
              maxTokens: 6,
              signal,
              steps,
              slot: i,
              announced: announced[i],
            });
          }),
        );
        return { replies, batches };
      } finally {
        await context.dispose();
      }
    };
    const together = await burst(true);
    expect(together.batches[0]!.sequences).toEqual([0, 1, 2]);
    // Six tokens each, three at a time: six decodes in all, the first one reading all three prompts.
    expect(together.batches).toHaveLength(6);
    expect(together.replies.map((r) => r.stopReason)).toEqual(["maxTokens", "maxTokens", "maxTokens"]);
    // Unannounced, the first prompt is read alone and the others join a later step: more decodes for the same tokens.
    const apart = await burst(false);
    expect(apart.batches[0]!.sequences).toEqual([0]);
    expect(apart.batches.length).toBeGreaterThan(6);
  }, 60_000);

  it("does not hold a running generation for an announced turn that gives up or is slow", async () => {
    const context = await model.createContext({ contextSize: 512, sequences: 2, threads: 1 });
    try {
      const steps = new DecodeSteps(context);
      const signal = new AbortController().signal;
      // Announced and never begun (its turn failed before the call that would end it): the first step goes after a short wait.
      const lost = steps.expect();
      const reply = await generateOnSequence(context.getSequence(), tokens("Hi!"), { ...greedy, maxTokens: 4, signal, steps, slot: 0 });
      expect(reply.stopReason).toBe("maxTokens");
      lost();
      lost();
      // A running generation does not wait for a newcomer at all: its steps go on while the newcomer prepares.
      const batches = spy(context);
      const late = steps.expect();
      const [running] = await Promise.all([
        generateOnSequence(context.getSequence(), tokens("Hello there"), { ...greedy, maxTokens: 8, signal, steps, slot: 1 }),
        new Promise((resolve) => setTimeout(resolve, 50)).then(late),
      ]);
      expect(running.stopReason).toBe("maxTokens");
      expect(batches.length).toBe(8);
    } finally {
      await context.dispose();
    }
  }, 60_000);

  it("keeps the bound when a turn is announced after the step was put off for a begun generation that has not asked yet", async () => {
    const context = await model.createContext({ contextSize: 512, sequences: 2, threads: 1 });
    try {
      const steps = new DecodeSteps(context);
      const [a, b] = await Promise.all([
        steps.begin(context.getSequence(), 0, { temperature: 0 }),
        steps.begin(context.getSequence(), 1, { temperature: 0 }),
      ]);
      // One of two asks: the step is put off to the next event-loop turn; then a turn is announced and never comes.
      const asked = a.next(tokens("Hi!"));
      const never = steps.expect();
      const first = await Promise.race([asked.then(() => "stepped"), new Promise((resolve) => setTimeout(resolve, 2_000, "stuck"))]);
      expect(first).toBe("stepped");
      never();
      a.end();
      b.end();
    } finally {
      await context.dispose();
    }
  }, 60_000);

  it("samples the same tokens with the patched binding's one job per step as with a decode job and a sampling job", async () => {
    let fusedJobs = 0;
    const generate = async (hideFused: boolean) => {
      const context = await model.createContext({ contextSize: 512, sequences: 1, threads: 1 });
      try {
        const internals = context as unknown as { _ctx: object };
        internals._ctx = new Proxy(internals._ctx, {
          get: (target, name) => {
            if (name === "decodeBatchAndSample" && hideFused) return undefined;
            const value = Reflect.get(target, name) as ((...a: unknown[]) => unknown) | undefined;
            if (name === "decodeBatchAndSample" && value) return (...a: unknown[]) => (fusedJobs++, value.apply(target, a));
            return typeof value === "function" ? value.bind(target) : value;
          },
        });
        const steps = new DecodeSteps(context);
        const out: string[] = [];
        for (const [temperature, seed] of [
          [0, 1],
          [0.9, 7],
        ] as const) {
          const sequence = context.getSequence();
          const r = await generateOnSequence(sequence, tokens("hi mia!! loved the show, when is the next one?"), {
            temperature,
            seed,
            stopTexts: [],
            maxTokens: 48,
            signal: new AbortController().signal,
            steps,
            slot: 0,
          });
          out.push(r.text);
          sequence.dispose();
        }
        return out;
      } finally {
        await context.dispose();
      }
    };
    const twoJobs = await generate(true);
    expect(twoJobs.every((t) => t.length > 0)).toBe(true);
    expect(fusedJobs).toBe(0);
    expect(await generate(false)).toEqual(twoJobs);
    // With the project's binding (built by .ci/run) the second run did go through the one-job path.
    if (llama.buildType === "localBuild") expect(fusedJobs).toBeGreaterThan(0);
  }, 60_000);

  it("fails a generation that would overflow its sequence, alone: the other generation's step goes on, and the sequence is let go", async () => {
    const context = await model.createContext({ contextSize: 256, sequences: 2, threads: 1 });
    try {
      const steps = new DecodeSteps(context);
      const [full, other] = [context.getSequence(), context.getSequence()];
      const [overflowing, fine] = await Promise.all([steps.begin(full!, 0, { temperature: 0 }), steps.begin(other!, 1, { temperature: 0 })]);
      const [a, b] = await Promise.allSettled([overflowing.next(Array.from({ length: 300 }, () => 100 as Token)), fine.next(tokens("Hello there"))]);
      expect(a.status === "rejected" && String(a.reason)).toMatch(/full/);
      expect(b.status).toBe("fulfilled");
      overflowing.end();
      fine.end();
      // The sequence is free again: node-llama-cpp's own evaluation (it takes the same lock) goes through.
      await full!.evaluateWithoutGeneratingNewTokens(tokens("Still usable."));
      expect(full!.nextTokenIndex).toBeGreaterThan(0);
    } finally {
      await context.dispose();
    }
  }, 60_000);

  it("rejects a step on a disposed context instead of decoding on freed memory", async () => {
    const context = await model.createContext({ contextSize: 256, sequences: 1, threads: 1 });
    const steps = new DecodeSteps(context);
    const generation = await steps.begin(context.getSequence(), 0, { temperature: 0 });
    const disposing = context.dispose();
    await expect(generation.next(tokens("Hello"))).rejects.toThrow();
    generation.end();
    await disposing;
  }, 60_000);
});
