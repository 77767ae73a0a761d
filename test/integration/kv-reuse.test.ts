import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatPrompt } from "../../src/domain/chat-prompt.js";
import { LlamaChatModel } from "../../src/adapters/llm/llama-chat-model.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { MODEL_CACHE_DIR } from "../../test-kit/test-env.js";

// Counting, not timing: what the engine evaluates on a follow-up turn.
const SYSTEM = "You are Rosa, the assistant of Sunrise Bakery. Opening hours: Tuesday to Sunday 7:00-18:00. Prices: croissant 2.20, rye 4.90.";
let modelPath: string;
beforeAll(async () => {
  modelPath = await ensureTinyModel(MODEL_CACHE_DIR);
});

const load = (sequences: number, contexts = 1) =>
  LlamaChatModel.load({ modelPath, threads: 1, contextSize: 2048, sequences, contexts, temperature: 0 });

async function twoTurns(model: LlamaChatModel, key: string, between?: () => Promise<unknown>) {
  const first: ChatPrompt = { system: SYSTEM, turns: [{ role: "user", text: "Hi, are you open on Sunday morning?" }] };
  const g1 = await model.generate(first, { maxTokens: 12, conversationKey: key });
  await between?.();
  const second: ChatPrompt = {
    system: SYSTEM,
    turns: [...first.turns, { role: "assistant", text: g1.text }, { role: "user", text: "And how much is a rye loaf?" }],
  };
  const g2 = await model.generate(second, { maxTokens: 12, conversationKey: key });
  return { g1, g2, added: (await model.countPromptTokens(second)) - (await model.countPromptTokens(first)) };
}

describe("KV cache reuse", () => {
  let model: LlamaChatModel;
  afterAll(async () => model?.close());

  it("evaluates only the new tokens on a follow-up turn", async () => {
    model = await load(2);
    const { g1, g2, added } = await twoTurns(model, "conversation-a");
    // The prompt's last token is evaluated as the first step of generation.
    expect(g1.evaluatedTokens).toBeGreaterThanOrEqual(g1.promptTokens - 1);
    // The new user message, the previous reply as it is re-tokenized, and the turn markers; nothing before.
    expect(g2.evaluatedTokens).toBeLessThanOrEqual(added + 2);
    expect(g2.evaluatedTokens).toBeLessThan(g2.promptTokens / 2);
  });

  it("reuses the reply's generated tokens: a follow-up evaluates only the new turn", async () => {
    // The tiny model's replies never re-tokenize to the tokens it generated, so this fails if the
    // stored reply is tokenized again instead of matched to the tokens in the cache.
    const first: ChatPrompt = { system: SYSTEM, turns: [{ role: "user", text: "Do you bake sourdough on Mondays?" }] };
    const g1 = await model.generate(first, { maxTokens: 16, conversationKey: "conversation-g" });
    expect(g1.generatedTokens).toBeGreaterThan(1);
    const next = { role: "user" as const, text: "And do you deliver to Oak Street?" };
    let prompt: ChatPrompt = { system: SYSTEM, turns: [...first.turns, { role: "assistant", text: g1.text.trim() }, next] };
    for (let turn = 2; turn <= 4; turn++) {
      const g = await model.generate(prompt, { maxTokens: 16, conversationKey: "conversation-g" });
      // The new turn is "</s><s>[INST] " (6 tokens), the message, " [/INST] " (6 tokens): the
      // message's tokens + 12 = countTurnTokens + 2. Plus the previous reply's last token when it
      // stopped at maxTokens: it was sampled but never evaluated. Nothing of the reply itself.
      expect(g.evaluatedTokens).toBeLessThanOrEqual((await model.countTurnTokens(next)) + 3);
      expect(g.evaluatedTokens).toBeGreaterThan((await model.countTurnTokens(next)) - 10);
      prompt = { system: SYSTEM, turns: [...prompt.turns, { role: "assistant", text: g.text.trim() }, next] };
    }
  });

  it("a reply stored differently from what was generated costs only the changed part", async () => {
    const first: ChatPrompt = { system: SYSTEM, turns: [{ role: "user", text: "Is the rye bread vegan?" }] };
    const g1 = await model.generate(first, { maxTokens: 16, conversationKey: "conversation-h" });
    const next = { role: "user" as const, text: "Thanks!" };
    const rewritten = "Our rye bread is vegan, yes.";
    const second: ChatPrompt = { system: SYSTEM, turns: [...first.turns, { role: "assistant", text: rewritten }, next] };
    const g2 = await model.generate(second, { maxTokens: 4, conversationKey: "conversation-h" });
    // The whole rewritten reply is evaluated (nothing generated spells it), but not the persona.
    expect(g2.evaluatedTokens).toBeGreaterThanOrEqual((await model.countTurnTokens({ role: "assistant", text: rewritten })) - 10);
    expect(g2.evaluatedTokens).toBeLessThanOrEqual(
      (await model.countTurnTokens({ role: "assistant", text: rewritten })) + (await model.countTurnTokens(next)),
    );
    expect(g1.text).not.toBe(rewritten);
  });

  it("an aborted generation leaves the cache consistent for the next turn", async () => {
    const first: ChatPrompt = { system: SYSTEM, turns: [{ role: "user", text: "Can I order a birthday cake?" }] };
    const abort = new AbortController();
    const g1 = await model.generate(first, {
      maxTokens: 64,
      conversationKey: "conversation-i",
      signal: abort.signal,
      onTextChunk: () => abort.abort(),
    });
    expect(g1.stopReason).toBe("abort");
    expect(g1.generatedTokens).toBeLessThan(64);
    const next = { role: "user" as const, text: "For Saturday, please." };
    const second: ChatPrompt = { system: SYSTEM, turns: [...first.turns, { role: "assistant", text: g1.text.trim() || "(empty)" }, next] };
    const g2 = await model.generate(second, { maxTokens: 4, conversationKey: "conversation-i" });
    expect(g2.evaluatedTokens).toBeLessThanOrEqual(
      (await model.countTurnTokens(next)) + (await model.countTurnTokens({ role: "assistant", text: g1.text.trim() || "(empty)" })),
    );
    // The same prompt answered from a cleared sequence evaluates everything: the cached part was real.
    const fresh = await model.generate(second, { maxTokens: 4, conversationKey: "conversation-i", fresh: true });
    expect(fresh.evaluatedTokens).toBeGreaterThanOrEqual(fresh.promptTokens - 1);
  });

  it("keeps a conversation's tokens while another conversation uses the other sequence", async () => {
    const { g2, added } = await twoTurns(model, "conversation-b", () =>
      model.generate(
        { system: SYSTEM, turns: [{ role: "user", text: "Someone else asking about cakes." }] },
        { maxTokens: 8, conversationKey: "conversation-c" },
      ),
    );
    expect(g2.evaluatedTokens).toBeLessThanOrEqual(added + 2);
  });

  it("forgets an erased conversation: its next turn starts from nothing, even if erased mid-turn", async () => {
    // A persona of its own, so no other sequence shares more than the template's first markers.
    const own = (user: string): ChatPrompt => ({
      system: "You answer for Erased Example Shop, a shop that sells spelt only.",
      turns: [{ role: "user", text: user }],
    });
    const markers = 12;
    await model.generate(own("Do you sell spelt bread?"), { maxTokens: 6, conversationKey: "conversation-erased" });
    const warm = await model.generate(own("Do you sell spelt bread?"), { maxTokens: 6, conversationKey: "conversation-erased" });
    expect(warm.evaluatedTokens).toBeLessThan(markers);
    await model.forget("conversation-erased");
    const cold = await model.generate(own("Do you sell spelt bread?"), { maxTokens: 6, conversationKey: "conversation-erased" });
    expect(cold.evaluatedTokens).toBeGreaterThanOrEqual(cold.promptTokens - markers);
    // Erased while its turn is generating: the sequence is cleared when the turn lets go of it.
    const running = model.generate(own("Is it whole grain?"), { maxTokens: 8, conversationKey: "conversation-erased" });
    await model.forget("conversation-erased");
    await running;
    const after = await model.generate(own("Is it whole grain?"), { maxTokens: 4, conversationKey: "conversation-erased" });
    expect(after.evaluatedTokens).toBeGreaterThanOrEqual(after.promptTokens - markers);
  });

  it("the naive (fresh) way re-evaluates the whole prompt every turn", async () => {
    const prompt: ChatPrompt = { system: SYSTEM, turns: [{ role: "user", text: "Do you have croissants?" }] };
    await model.generate(prompt, { maxTokens: 4, conversationKey: "conversation-d" });
    const again = await model.generate(prompt, { maxTokens: 4, conversationKey: "conversation-d", fresh: true });
    expect(again.evaluatedTokens).toBeGreaterThanOrEqual(again.promptTokens - 1);
  });

  it("evicts the least recently used conversation when sequences run out", async () => {
    await model.close();
    model = await load(1);
    const { g2 } = await twoTurns(model, "conversation-e", () =>
      model.generate(
        { system: "A different persona entirely, for another business.", turns: [{ role: "user", text: "Hello" }] },
        { maxTokens: 4, conversationKey: "conversation-f" },
      ),
    );
    // Only the shared start (BOS and "[INST] <<SYS>>") survives the other conversation.
    expect(g2.evaluatedTokens).toBeGreaterThanOrEqual(g2.promptTokens - 12);
  });

  it("spreads sequences over several contexts and keeps each conversation's cache", async () => {
    await model.close();
    model = await load(2, 2);
    expect(model.description).toContain("2 x 1 threads");
    const [a, b] = await Promise.all([twoTurns(model, "conversation-j"), twoTurns(model, "conversation-k")]);
    const newTurn = (await model.countTurnTokens({ role: "user", text: "And how much is a rye loaf?" })) + 3;
    for (const { g2 } of [a, b]) expect(g2.evaluatedTokens).toBeLessThanOrEqual(newTurn);
  });
});

describe("KV cache on disk for evicted conversations (disk tier alone)", () => {
  const OTHER: ChatPrompt = { system: "A different persona entirely, for another business.", turns: [{ role: "user", text: "Hello" }] };
  let dir: string;
  const models: LlamaChatModel[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "kv-disk-test-"));
  });
  afterAll(async () => {
    for (const m of models) await m.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** One sequence, so every other conversation evicts; the cache goes to its own folder under `dir`. */
  async function loadWithDisk(name: string, maxBytes = 2 ** 30, maxAgeMs = 60_000) {
    const kvDir = path.join(dir, name);
    const m = await LlamaChatModel.load({
      modelPath,
      threads: 1,
      contextSize: 2048,
      sequences: 1,
      temperature: 0,
      kvTiers: { disk: { dir: kvDir, maxBytes }, maxAgeMs, personaPrefix: false },
    });
    models.push(m);
    return { model: m, kvDir };
  }

  async function stateFiles(kvDir: string): Promise<string[]> {
    const entries = await readdir(kvDir, { recursive: true }).catch(() => [] as string[]);
    return entries.filter((e) => e.endsWith(".kv") || e.endsWith(".json")).map((e) => path.join(kvDir, e));
  }

  it("deletes an evicted conversation's saved state when the conversation is erased", async () => {
    const { model: disk, kvDir } = await loadWithDisk("erase");
    await disk.generate(
      { system: SYSTEM, turns: [{ role: "user", text: "Hi there" }] },
      { maxTokens: 4, conversationKey: "conversation-disk-erased" },
    );
    await disk.generate(OTHER, { maxTokens: 4, conversationKey: "conversation-disk-other" });
    expect(await stateFiles(kvDir)).toHaveLength(2);
    await disk.forget("conversation-disk-erased");
    expect(await stateFiles(kvDir)).toEqual([]);
  });

  it("restores an evicted conversation: the follow-up evaluates only its new tokens and replies as if never evicted", async () => {
    const { model: disk, kvDir } = await loadWithDisk("restore");
    const restored = await twoTurns(disk, "conversation-disk-a", async () => {
      await disk.generate(OTHER, { maxTokens: 4, conversationKey: "conversation-disk-b" });
      // The evicted conversation's state and sidecar, named by a hash: never the key or message text.
      const files = await stateFiles(kvDir);
      expect(files.map((f) => path.extname(f)).sort()).toEqual([".json", ".kv"]);
      for (const f of files) expect(path.basename(f)).toMatch(/^[0-9a-f]{32}\.(kv|json)$/);
    });
    expect(restored.g2.evaluatedTokens).toBeLessThanOrEqual(restored.added + 2);
    expect(restored.g2.evaluatedTokens).toBeLessThan(restored.g2.promptTokens / 2);

    // The same two turns on a model with a sequence for each conversation (no eviction at all):
    // the restored cache is bit for bit the one that was saved, so greedy decoding must agree.
    const pinned = await load(2);
    models.push(pinned);
    const kept = await twoTurns(pinned, "conversation-disk-a", () =>
      pinned.generate(OTHER, { maxTokens: 4, conversationKey: "conversation-disk-b" }),
    );
    expect(restored.g1.text).toBe(kept.g1.text);
    expect(restored.g2.text).toBe(kept.g2.text);
    expect(restored.g2.evaluatedTokens).toBe(kept.g2.evaluatedTokens);

    // A state is used once: A's file is gone; B's (evicted by A's second turn) is there.
    const left = await stateFiles(kvDir);
    expect(left).toHaveLength(2);
    const b = await disk.generate(OTHER, { maxTokens: 4, conversationKey: "conversation-disk-b" });
    expect(b.evaluatedTokens).toBeLessThanOrEqual(2);
  });

  const hashed = (key: string) => createHash("sha256").update(key).digest("hex").slice(0, 32);

  async function evictedThen(name: string, damage: (files: string[]) => Promise<void>) {
    const { model: disk, kvDir } = await loadWithDisk(name);
    const { g2 } = await twoTurns(disk, `conversation-${name}`, async () => {
      await disk.generate(OTHER, { maxTokens: 4, conversationKey: `conversation-${name}-other` });
      await damage(await stateFiles(kvDir));
    });
    return { g2, left: await stateFiles(kvDir) };
  }

  // Only the shared start (BOS and "[INST] <<SYS>>") survives the other conversation.
  it("a missing state file falls back to re-evaluating the prompt", async () => {
    const { g2 } = await evictedThen("missing", async (files) => {
      for (const f of files) if (f.endsWith(".kv")) await rm(f);
    });
    expect(g2.evaluatedTokens).toBeGreaterThanOrEqual(g2.promptTokens - 12);
    expect(g2.text.length).toBeGreaterThan(0);
  });

  it("a truncated state file is not loaded; the prompt is re-evaluated and the file deleted", async () => {
    const { g2, left } = await evictedThen("truncated", async (files) => {
      const kv = files.find((f) => f.endsWith(".kv"))!;
      await truncate(kv, (await stat(kv)).size - 100);
    });
    expect(g2.evaluatedTokens).toBeGreaterThanOrEqual(g2.promptTokens - 12);
    // Deleted, not left to fail again; what is left is the other conversation's pair, evicted by this turn.
    expect(left.some((f) => path.basename(f).startsWith(hashed("conversation-truncated")))).toBe(false);
    expect(left.filter((f) => path.basename(f).startsWith(hashed("conversation-truncated-other")))).toHaveLength(2);
  });

  it("a corrupt state file of the right size is rejected by the engine; the prompt is re-evaluated", async () => {
    const { g2 } = await evictedThen("corrupt", async (files) => {
      const kv = files.find((f) => f.endsWith(".kv"))!;
      await writeFile(kv, Buffer.alloc((await stat(kv)).size, 0xab));
    });
    expect(g2.evaluatedTokens).toBeGreaterThanOrEqual(g2.promptTokens - 12);
    expect(g2.text.length).toBeGreaterThan(0);
  });

  it("a sidecar that does not match the state (another model or KV type) is not loaded", async () => {
    const { g2 } = await evictedThen("foreign", async (files) => {
      const sidecar = files.find((f) => f.endsWith(".json"))!;
      const json = JSON.parse(await readFile(sidecar, "utf8")) as { fingerprint: string };
      await writeFile(sidecar, JSON.stringify({ ...json, fingerprint: `${json.fingerprint}-other-model` }));
    });
    expect(g2.evaluatedTokens).toBeGreaterThanOrEqual(g2.promptTokens - 12);
  });

  it("keeps no more than the size cap: a state larger than the cap is deleted at once", async () => {
    const { model: tiny, kvDir } = await loadWithDisk("cap-1-byte", 1);
    const small = await twoTurns(tiny, "conversation-capped-small", () =>
      tiny.generate(OTHER, { maxTokens: 4, conversationKey: "conversation-capped-other" }),
    );
    expect(small.g2.evaluatedTokens).toBeGreaterThanOrEqual(small.g2.promptTokens - 12);
    expect(await stateFiles(kvDir)).toEqual([]);
  });

  it("a stale state file is not restored and is deleted", async () => {
    const { model: m, kvDir } = await loadWithDisk("stale", 2 ** 30, 200);
    const { g2 } = await twoTurns(m, "conversation-stale", async () => {
      await m.generate(OTHER, { maxTokens: 4, conversationKey: "conversation-stale-other" });
      expect(await stateFiles(kvDir)).toHaveLength(2);
      await new Promise((resolve) => setTimeout(resolve, 400));
    });
    expect(g2.evaluatedTokens).toBeGreaterThanOrEqual(g2.promptTokens - 12);
    expect((await stateFiles(kvDir)).some((f) => path.basename(f).startsWith(hashed("conversation-stale")))).toBe(false);
    // The other conversation's file, written by that same turn, goes once it is stale too, without another eviction.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await stateFiles(kvDir)).toEqual([]);
  });

  it("at load, stale files of another model are deleted and recent ones kept", async () => {
    const kvDir = path.join(dir, "startup");
    const other = path.join(kvDir, "another-model-fingerprint");
    await mkdir(other, { recursive: true });
    await writeFile(path.join(other, "old.kv"), "x");
    await writeFile(path.join(other, "recent.kv"), "x");
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(path.join(other, "old.kv"), hourAgo, hourAgo);
    const m = await LlamaChatModel.load({
      modelPath,
      threads: 1,
      contextSize: 512,
      sequences: 1,
      temperature: 0,
      kvTiers: { disk: { dir: kvDir, maxBytes: 2 ** 20 }, maxAgeMs: 60_000 },
    });
    models.push(m);
    expect(await readdir(other)).toEqual(["recent.kv"]);
  });
});
