import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { getLlama, LlamaLogLevel, type Llama, type LlamaContext, type LlamaModel } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localBinding } from "../../src/adapters/llm/native-binding.js";
import { canCopyState, takeState } from "../../src/adapters/llm/sequence-state.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { MODEL_CACHE_DIR } from "../../test-kit/test-env.js";

// Real node-llama-cpp on the tiny model: the binding scripts/build-binding.sh links, else the prebuilt one.
let llama: Llama;
let model: LlamaModel;
let context: LlamaContext;
let dir: string;
beforeAll(async () => {
  const local = await localBinding();
  llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  model = await llama.loadModel({ modelPath: await ensureTinyModel(MODEL_CACHE_DIR) });
  context = await model.createContext({ contextSize: 512, sequences: 2, threads: 1 });
  dir = await mkdtemp(path.join(os.tmpdir(), "sequence-state-test-"));
  // With the project's local build the state is copied in memory; only the prebuilt binary lacks it.
  if (llama.buildType === "localBuild" && local.dir) {
    const probe = context.getSequence();
    expect(canCopyState(probe)).toBe(true);
    probe.dispose();
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await llama?.dispose();
});

describe("a sequence's state taken for a save", () => {
  it("writes the same bytes as node-llama-cpp's saveStateToFile, and loads back to the same tokens", async () => {
    const sequence = context.getSequence();
    await sequence.evaluateWithoutGeneratingNewTokens(model.tokenize("Hello, are you open on Sunday morning? We would like a cake."));
    const held = sequence.contextTokens;
    const state = await takeState(sequence, 0);
    expect(state.inMemory).toBe(canCopyState(sequence));
    expect(state.tokens).toBe(held.length);
    const ours = path.join(dir, "ours.kv");
    const theirs = path.join(dir, "theirs.kv");
    const size = await state.write(ours, 0o600);
    await sequence.saveStateToFile(theirs);
    expect(size).toBe((await stat(ours)).size);
    expect((await stat(ours)).mode & 0o777).toBe(0o600);
    expect(Buffer.compare(await readFile(ours), await readFile(theirs))).toBe(0);

    await sequence.clearHistory();
    await sequence.loadStateFromFile(ours, { acceptRisk: true });
    expect(sequence.contextTokens).toEqual(held);
    sequence.dispose();
  });

  it("a copy in memory is the state when it was taken: decoding afterwards does not change what is written", async () => {
    const sequence = context.getSequence();
    await sequence.evaluateWithoutGeneratingNewTokens(model.tokenize("Do you bake rye bread on Mondays?"));
    const reference = path.join(dir, "before.kv");
    await sequence.saveStateToFile(reference);
    const state = await takeState(sequence, 0);
    await sequence.evaluateWithoutGeneratingNewTokens(model.tokenize(" And sourdough on Fridays?"));
    const later = path.join(dir, "later.kv");
    await state.write(later, 0o600);
    if (state.inMemory) expect(Buffer.compare(await readFile(later), await readFile(reference))).toBe(0);
    else expect((await stat(later)).size).toBeGreaterThan((await stat(reference)).size);
    sequence.dispose();
  });
});
