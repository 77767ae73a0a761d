import { copyFile, mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import type { ChatPrompt } from "../../src/domain/chat-prompt.js";
import { KvStateDir } from "../../src/adapters/llm/kv-state-dir.js";
import { LlamaChatModel } from "../../src/adapters/llm/llama-chat-model.js";
import type { PromptFormat } from "../../src/adapters/llm/prompt-format.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { MODEL_CACHE_DIR } from "../../test-kit/test-env.js";

// Real node-llama-cpp on the tiny model; the RAM tier is a real tmpfs directory (/dev/shm).
const SYSTEM =
  "You are Rosa, the assistant of Sunrise Bakery on Oak Street. Opening hours: Tuesday to Sunday 7:00-18:00, closed on Mondays. Prices: croissant 2.20, rye 4.90, sourdough 5.50. Be brief and friendly.";
const OTHER: ChatPrompt = {
  system: "A different persona entirely, for another business that sells bicycles and repairs them on weekdays.",
  turns: [{ role: "user", text: "Hello" }],
};

let modelPath: string;
let root: string;
let shm: string;
const models: LlamaChatModel[] = [];
beforeAll(async () => {
  modelPath = await ensureTinyModel(MODEL_CACHE_DIR);
  root = await mkdtemp(path.join(os.tmpdir(), "kv-tiers-test-"));
  shm = await mkdtemp("/dev/shm/kv-tiers-test-");
});
afterAll(async () => {
  for (const m of models) await m.close();
  await rm(root, { recursive: true, force: true });
  await rm(shm, { recursive: true, force: true });
});

async function load(options: Parameters<typeof LlamaChatModel.load>[0]["kvTiers"], sequences = 1) {
  const m = await LlamaChatModel.load({ modelPath, threads: 1, contextSize: 2048, sequences, temperature: 0, kvTiers: options });
  models.push(m);
  return m;
}

/** Saved conversation pairs (.kv + .json, named by a hash) under a tier's directory; not those being written or moved, nor persona prefixes. */
async function pairs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries
    .filter((e) => !e.split(path.sep).includes("prefix") && /^[0-9a-f]{32}\.(kv|json)$/.test(path.basename(e)))
    .map((e) => path.join(dir, e));
}

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function twoTurns(model: LlamaChatModel, key: string, between: () => Promise<unknown>) {
  const first: ChatPrompt = { system: SYSTEM, turns: [{ role: "user", text: "Hi, are you open on Sunday morning?" }] };
  const g1 = await model.generate(first, { maxTokens: 12, conversationKey: key });
  await between();
  const second: ChatPrompt = {
    system: SYSTEM,
    turns: [...first.turns, { role: "assistant", text: g1.text }, { role: "user", text: "And how much is a rye loaf?" }],
  };
  const g2 = await model.generate(second, { maxTokens: 12, conversationKey: key });
  return { g1, g2, added: (await model.countPromptTokens(second)) - (await model.countPromptTokens(first)) };
}

describe("KV tiers: host RAM, then disk", () => {
  it("with the default configuration, an evicted conversation is kept in RAM (0600 files, nothing on disk) and restored from there", async () => {
    const ramDir = path.join(shm, "defaults");
    const config = loadConfig("demo", { DATA_DIR: path.join(root, "data-defaults"), LLM_KV_RAM_DIR: ramDir });
    const tiers = config.model.kvTiers!;
    expect(tiers.ram?.maxBytes).toBeUndefined(); // sized from free memory at load
    const model = await load(tiers);
    expect(model.description).toMatch(/saved KV: RAM \d+ MB in .*, disk 4096 MB in /);
    const { g2, added } = await twoTurns(model, "conversation-ram", async () => {
      await model.generate(OTHER, { maxTokens: 4, conversationKey: "conversation-ram-other" });
      const inRam = await pairs(ramDir);
      expect(inRam).toHaveLength(2);
      for (const f of inRam) expect((await stat(f)).mode & 0o777).toBe(0o600);
      for (const d of new Set(inRam.map((f) => path.dirname(f)))) expect((await stat(d)).mode & 0o777).toBe(0o700);
      expect(await pairs(tiers.disk!.dir)).toEqual([]);
    });
    expect(g2.cacheSource).toBe("ram");
    expect(g2.evaluatedTokens).toBeLessThanOrEqual(added + 2);
    // Used once: the returning conversation's pair is gone; the other one (evicted now) is in RAM.
    expect(await pairs(ramDir)).toHaveLength(2);
  });

  it("spills to disk when the RAM bound is exceeded, in the background; the conversation is restored from disk", async () => {
    const ramDir = path.join(shm, "spill");
    const diskDir = path.join(root, "spill-disk");
    const model = await load({ ram: { dir: ramDir, maxBytes: 1 }, disk: { dir: diskDir, maxBytes: 2 ** 30 }, maxAgeMs: 60_000 });
    const { g2, added } = await twoTurns(model, "conversation-spilled", async () => {
      await model.generate(OTHER, { maxTokens: 4, conversationKey: "conversation-spilled-other" });
      await until(async () => (await pairs(diskDir)).length === 2);
      expect(await pairs(ramDir)).toEqual([]);
      for (const f of await pairs(diskDir)) expect((await stat(f)).mode & 0o777).toBe(0o600);
    });
    expect(g2.cacheSource).toBe("disk");
    expect(g2.evaluatedTokens).toBeLessThanOrEqual(added + 2);
    // Now the tier knows a state's size per token: one that cannot fit RAM is saved to disk in the turn, not through tmpfs.
    await model.generate(OTHER, { maxTokens: 4, conversationKey: "conversation-spilled-other" });
    const names = (await pairs(diskDir)).map((f) => path.basename(f));
    expect(names).toContain(`${KvStateDir.nameOf("conversation-spilled")}.kv`);
    expect(await pairs(ramDir)).toEqual([]);
  });

  it("keeps the newest in RAM and moves only the oldest to disk", async () => {
    const ramDir = path.join(shm, "oldest");
    const diskDir = path.join(root, "oldest-disk");
    // Room for one tiny conversation (~60 KB) but not two.
    const model = await load({ ram: { dir: ramDir, maxBytes: 100_000 }, disk: { dir: diskDir, maxBytes: 2 ** 30 }, maxAgeMs: 60_000 });
    const say = (key: string) =>
      model.generate({ system: SYSTEM, turns: [{ role: "user", text: `Hello from ${key}` }] }, { maxTokens: 4, conversationKey: key });
    await say("conversation-old");
    await say("conversation-new"); // evicts old into RAM
    await say("conversation-third"); // evicts new into RAM: over the bound, old goes to disk
    await until(async () => (await pairs(diskDir)).length === 2);
    const names = async (dir: string) => [...new Set((await pairs(dir)).map((f) => path.basename(f).split(".")[0]))];
    expect(await names(ramDir)).toEqual([KvStateDir.nameOf("conversation-new")]);
    expect(await names(diskDir)).toEqual([KvStateDir.nameOf("conversation-old")]);
    expect((await say("conversation-new")).cacheSource).toBe("ram");
    expect((await say("conversation-old")).cacheSource).toBe("disk");
  });

  it("erasing a conversation removes it from every tier", async () => {
    const ramDir = path.join(shm, "forget");
    const diskDir = path.join(root, "forget-disk");
    const model = await load({ ram: { dir: ramDir, maxBytes: 2 ** 30 }, disk: { dir: diskDir, maxBytes: 2 ** 30 }, maxAgeMs: 60_000 });
    await model.generate({ system: SYSTEM, turns: [{ role: "user", text: "Hi there" }] }, { maxTokens: 4, conversationKey: "conversation-erased" });
    await model.generate(OTHER, { maxTokens: 4, conversationKey: "conversation-erased-other" });
    const inRam = await pairs(ramDir);
    expect(inRam).toHaveLength(2);
    // A copy in the disk tier too (as left by a move that another worker was making).
    const diskSub = path.join(diskDir, path.basename(path.dirname(inRam[0]!)));
    await mkdir(diskSub, { recursive: true });
    for (const f of inRam) await copyFile(f, path.join(diskSub, path.basename(f)));
    // The prompt segments the model's tokenizer remembers (message text) go as well.
    const cleared = vi.spyOn((model as unknown as { format: PromptFormat }).format.tokenizer, "clear");
    await model.forget("conversation-erased");
    expect(cleared).toHaveBeenCalledOnce();
    expect(await pairs(ramDir)).toEqual([]);
    expect(await pairs(diskDir)).toEqual([]);
    const back = await model.generate(
      { system: SYSTEM, turns: [{ role: "user", text: "Hi there" }] },
      { maxTokens: 4, conversationKey: "conversation-erased" },
    );
    expect(back.cacheSource).not.toBe("ram");
    expect(back.cacheSource).not.toBe("disk");
  });

  it("two workers sharing the RAM directory: the one that claims a state loads it, the other re-reads", async () => {
    const ramDir = path.join(shm, "shared");
    const options = { ram: { dir: ramDir, maxBytes: 2 ** 30 }, disk: undefined, maxAgeMs: 60_000, personaPrefix: false };
    const [one, two] = [await load(options), await load(options)];
    const first: ChatPrompt = { system: SYSTEM, turns: [{ role: "user", text: "Hi, are you open on Sunday morning?" }] };
    const g1 = await one.generate(first, { maxTokens: 8, conversationKey: "conversation-shared" });
    await one.generate(OTHER, { maxTokens: 4, conversationKey: "conversation-shared-other" });
    const next: ChatPrompt = {
      system: SYSTEM,
      turns: [...first.turns, { role: "assistant", text: g1.text }, { role: "user", text: "And how much is a rye loaf?" }],
    };
    // The conversation's next turn runs on the other worker: it finds the state there.
    const moved = await two.generate(next, { maxTokens: 4, conversationKey: "conversation-shared" });
    expect(moved.cacheSource).toBe("ram");
    // Used once: the first worker no longer finds it and reads the prompt itself.
    await one.generate(OTHER, { maxTokens: 4, conversationKey: "conversation-shared-other-2" });
    const again = await one.generate(next, { maxTokens: 4, conversationKey: "conversation-shared" });
    expect(again.cacheSource).toBeUndefined();
    expect(again.evaluatedTokens).toBeGreaterThan(again.promptTokens / 2);
  });

  it("a worker with another number of sequences does not try another's states (llama.cpp would refuse them: n_stream mismatch)", async () => {
    const ramDir = path.join(shm, "shapes");
    const options = { ram: { dir: ramDir, maxBytes: 2 ** 30 }, disk: undefined, maxAgeMs: 60_000, personaPrefix: false };
    const [one, three] = [await load(options, 1), await load(options, 3)];
    const first: ChatPrompt = { system: SYSTEM, turns: [{ role: "user", text: "Hi, are you open on Sunday morning?" }] };
    const g1 = await one.generate(first, { maxTokens: 8, conversationKey: "conversation-shape" });
    await one.generate(OTHER, { maxTokens: 4, conversationKey: "conversation-shape-other" });
    expect(await pairs(ramDir)).toHaveLength(2);
    const next: ChatPrompt = {
      system: SYSTEM,
      turns: [...first.turns, { role: "assistant", text: g1.text }, { role: "user", text: "And how much is a rye loaf?" }],
    };
    const elsewhere = await three.generate(next, { maxTokens: 4, conversationKey: "conversation-shape" });
    expect(elsewhere.cacheSource).toBeUndefined();
    // Left for a worker of its own shape: the state is still there, in its own directory.
    expect(await pairs(ramDir)).toHaveLength(2);
    expect(new Set((await pairs(ramDir)).map((f) => path.dirname(f))).size).toBe(1);
  });

  it("a stale state in the RAM tier is not restored and is deleted", async () => {
    const ramDir = path.join(shm, "stale");
    const model = await load({ ram: { dir: ramDir, maxBytes: 2 ** 30 }, disk: undefined, maxAgeMs: 300, personaPrefix: false });
    const { g2 } = await twoTurns(model, "conversation-stale", async () => {
      await model.generate(OTHER, { maxTokens: 4, conversationKey: "conversation-stale-other" });
      expect(await pairs(ramDir)).toHaveLength(2);
      await new Promise((resolve) => setTimeout(resolve, 500));
    });
    expect(g2.cacheSource).toBeUndefined();
    expect(g2.evaluatedTokens).toBeGreaterThanOrEqual(g2.promptTokens - 12);
    const names = (await pairs(ramDir)).map((f) => path.basename(f));
    expect(names.some((n) => n.startsWith(KvStateDir.nameOf("conversation-stale")))).toBe(false);
  });

  it("with the RAM directory not on tmpfs, the RAM tier is off and evicted conversations go to disk", async () => {
    const diskDir = path.join(root, "no-tmpfs-disk");
    const model = await load({
      ram: { dir: path.join(root, "not-tmpfs"), maxBytes: undefined },
      disk: { dir: diskDir, maxBytes: 2 ** 30 },
      maxAgeMs: 60_000,
    });
    expect(model.description).toMatch(/no RAM tier \(.*not-tmpfs is not on tmpfs\)/);
    const { g2 } = await twoTurns(model, "conversation-no-tmpfs", () =>
      model.generate(OTHER, { maxTokens: 4, conversationKey: "conversation-no-tmpfs-other" }),
    );
    expect(g2.cacheSource).toBe("disk");
  });
});

describe("shared persona prefix", () => {
  const first = (system: string, text: string): ChatPrompt => ({ system, turns: [{ role: "user", text }] });

  it("a new conversation of a business loads the persona evaluated for an earlier one: its first turn evaluates the message and template only", async () => {
    const ramDir = path.join(shm, "prefix");
    const model = await load({ ram: { dir: ramDir, maxBytes: 2 ** 30 }, disk: undefined, maxAgeMs: 60_000 });
    const cold = await model.generate(first(SYSTEM, "Do you bake sourdough on Mondays?"), { maxTokens: 8, conversationKey: "persona-1" });
    expect(cold.cacheSource).toBeUndefined();
    expect(cold.evaluatedTokens).toBeGreaterThanOrEqual(cold.promptTokens - 1);
    const prefixes = async () =>
      (await readdir(ramDir, { recursive: true })).filter((e) => e.split(path.sep).includes("prefix") && e.endsWith(".kv"));
    expect(await prefixes()).toHaveLength(1);
    for (const f of await prefixes()) expect((await stat(path.join(ramDir, f))).mode & 0o777).toBe(0o600);

    // Another business takes the only sequence; then a new conversation of the first one.
    await model.generate(OTHER, { maxTokens: 4, conversationKey: "persona-other" });
    const message = "Can I order a birthday cake for Saturday?";
    const warm = await model.generate(first(SYSTEM, message), { maxTokens: 8, conversationKey: "persona-2" });
    expect(warm.cacheSource).toBe("persona");
    // The message and " [/INST]": within the template's share of one turn, the persona not at all.
    expect(warm.evaluatedTokens).toBeLessThanOrEqual(await model.countTurnTokens({ role: "user", text: message }));
    expect(warm.evaluatedTokens).toBeLessThan(warm.promptTokens / 3);

    // The same greedy reply as from a model that evaluated everything itself.
    const plain = await LlamaChatModel.load({ modelPath, threads: 1, contextSize: 2048, sequences: 1, temperature: 0 });
    models.push(plain);
    const reference = await plain.generate(first(SYSTEM, message), { maxTokens: 8, conversationKey: "persona-2" });
    expect(warm.text).toBe(reference.text);
    expect(reference.evaluatedTokens).toBeGreaterThanOrEqual(reference.promptTokens - 1);

    // The persona text changes: no stale prefix is used, the new one is evaluated and saved.
    await model.generate(OTHER, { maxTokens: 4, conversationKey: "persona-other" });
    const known = (await prefixes()).length;
    const changed = `${SYSTEM} New: gluten-free bread on Fridays.`;
    const after = await model.generate(first(changed, message), { maxTokens: 8, conversationKey: "persona-3" });
    expect(after.cacheSource).toBeUndefined();
    expect(after.evaluatedTokens).toBeGreaterThanOrEqual(after.promptTokens - 1);
    expect(await prefixes()).toHaveLength(known + 1);
  });

  it("a prefix file deleted behind the worker's back (another worker pruned it) is evaluated and saved again, not loaded stale", async () => {
    const ramDir = path.join(shm, "prefix-deleted");
    const model = await load({ ram: { dir: ramDir, maxBytes: 2 ** 30 }, disk: undefined, maxAgeMs: 60_000 });
    const prefixes = async () =>
      (await readdir(ramDir, { recursive: true }))
        .filter((e) => e.split(path.sep).includes("prefix") && e.endsWith(".kv"))
        .map((e) => path.join(ramDir, e));
    await model.generate(first(SYSTEM, "Do you bake sourdough on Mondays?"), { maxTokens: 4, conversationKey: "deleted-1" });
    const [file] = await prefixes();
    await model.generate(OTHER, { maxTokens: 4, conversationKey: "deleted-other" });
    expect((await model.generate(first(SYSTEM, "Any rye today?"), { maxTokens: 4, conversationKey: "deleted-2" })).cacheSource).toBe("persona");
    await rm(file!);

    await model.generate(OTHER, { maxTokens: 4, conversationKey: "deleted-other" });
    const again = await model.generate(first(SYSTEM, "Can I order a birthday cake?"), { maxTokens: 4, conversationKey: "deleted-3" });
    expect(again.cacheSource).toBeUndefined();
    expect(again.evaluatedTokens).toBeGreaterThanOrEqual(again.promptTokens - 1);
    expect(await prefixes()).toContain(file);
    await model.generate(OTHER, { maxTokens: 4, conversationKey: "deleted-other" });
    expect((await model.generate(first(SYSTEM, "Do you sell croissants?"), { maxTokens: 4, conversationKey: "deleted-4" })).cacheSource).toBe(
      "persona",
    );
  });
});
