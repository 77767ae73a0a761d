import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatCheckTable } from "../../src/app/persona-checks/format-check-table.js";
import { loadChecksFile } from "../../src/app/persona-checks/load-checks-file.js";
import { runPersonaChecks } from "../../src/app/persona-checks/run-persona-checks.js";
import type { LlamaChatModel } from "../../src/adapters/llm/llama-chat-model.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { startCheckPipeline, type CheckPipeline } from "../../src/main/persona-check/check-pipeline.js";
import { personaToMarkdown } from "../../src/domain/personas/persona-file.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { RecordingChatModel } from "../../test-kit/recording-chat-model.js";
import { runEntry } from "../../test-kit/run-entry.js";
import { testConfig } from "../../test-kit/test-config.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { MODEL_CACHE_DIR, TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";
import { loadTinyChatModel } from "../../test-kit/tiny-chat-model.js";

// persona:check drives its scripts through the whole pipeline: web chat route on loopback, PostgreSQL,
// the BullMQ turn queue, the worker (lock, debounce, trimming, guardrails), the tiny model (real
// tokenizer and chat template, noise replies) and the web chat adapter. Every check must pass on
// noise, because the rules are enforced in code.
let real: LlamaChatModel;
let database: TestDatabase;
let prefix: ReturnType<typeof createTestPrefix>;
let dir: string;

beforeAll(async () => {
  real = await loadTinyChatModel({ contextSize: 4096, sequences: 2 });
  database = await createTestDatabase();
  prefix = createTestPrefix();
  dir = await mkdtemp(path.join(tmpdir(), "persona-check-"));
});
afterAll(async () => {
  await real?.close();
  await database?.drop();
  await prefix?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** runPersonaChecks on the pipeline, against this file's database and Redis prefix; the business is kept to be looked at. */
async function checkThroughPipeline(file: string, model: RecordingChatModel) {
  let pipeline: CheckPipeline | undefined;
  const config = testConfig({ QUEUE_PREFIX: prefix.prefix });
  const persona = await loadPersonaTemplate(path.basename(file, ".md"), path.dirname(path.resolve(file)));
  const report = await runPersonaChecks(file, {
    model,
    replyMaxTokens: 8,
    personaBudget: 1920,
    start: async () => {
      pipeline = await startCheckPipeline({
        config,
        redisUrl: TEST_REDIS_URL,
        databaseUrl: database.url,
        model,
        persona,
        replyMaxTokens: 8,
        temperature: 0,
        logger: createLogger("silent", "test"),
        databaseConnections: 4,
        keep: true,
      });
      return pipeline;
    },
  });
  return { report, business: pipeline!.business, queuePrefix: pipeline!.queuePrefix };
}

/** How many messages a checks file sends, and how many it says were sent earlier today. */
async function countScripted(file: string) {
  const steps = (await loadChecksFile(file)).conversations.flatMap((c) => c.steps);
  return {
    scripted: steps.reduce((n, s) => n + [s.say].flat().length * (s.repeat ?? 1), 0),
    earlier: steps.reduce((n, s) => n + (s.alreadySentToday ?? 0), 0),
  };
}

describe("persona:check through the pipeline", () => {
  it("fan-creator passes every scripted check, and every step went through the stored pipeline", async () => {
    const model = new RecordingChatModel(real);
    const { report, business, queuePrefix } = await checkThroughPipeline("prompts/fan-creator.md", model);
    expect(report.failed, formatCheckTable(report)).toBe(0);
    expect(report.rows.length).toBeGreaterThan(20);
    expect(report.systemPromptTokens).toBeLessThanOrEqual(report.budget);
    expect(queuePrefix.startsWith(`${prefix.prefix}:persona-check-`)).toBe(true);

    // The throwaway business runs the file as its persona's first version, behind a web chat channel.
    const db = database.db;
    const persona = await loadPersonaTemplate("fan-creator");
    const version = await db.personaVersion.findFirstOrThrow({ where: { persona: { businessId: business.businessId } } });
    expect([version.version, version.settings, version.voice]).toEqual([1, persona.persona.settings, persona.persona.voice]);
    await db.channel.findUniqueOrThrow({ where: { kind_platformAccountId: { kind: "webchat", platformAccountId: business.channelKey } } });

    // Every scripted message was stored once and settled by the worker; nothing failed or was lost.
    const { scripted, earlier } = await countScripted("prompts/fan-creator.checks.yaml");
    const inbound = await db.message.groupBy({ by: ["status"], where: { businessId: business.businessId, direction: "inbound" }, _count: true });
    const byStatus = Object.fromEntries(inbound.map((g) => [g.status, g._count]));
    expect(Object.values(byStatus).reduce((a, b) => a + b, 0)).toBe(scripted + earlier);
    expect(byStatus.failed).toBeUndefined();
    // The one message sent after the minor's escalation waits in the paused conversation for a person.
    expect(byStatus.received).toBe(1);
    // Paused for a person: the three safety escalations and the sponsorship handoff, each with its Handoff row.
    expect(await db.conversation.count({ where: { businessId: business.businessId, agentPaused: true } })).toBe(4);
    const handoffs = await db.handoff.findMany({ where: { businessId: business.businessId }, select: { reason: true, status: true } });
    expect(handoffs.map((h) => h.reason).sort()).toEqual(
      ["handoff:sponsorship", "safety:minor-in-danger", "safety:self-harm", "safety:self-harm"].sort(),
    );
    expect(handoffs.every((h) => h.status === "notified")).toBe(true);

    // One stored, delivered reply and one turn row per answering turn; the model was asked for the generated ones only.
    const answering = report.transcript.filter((t) => t.turn.outcome.kind !== "ignored");
    const replies = await db.message.findMany({
      where: { businessId: business.businessId, direction: "outbound" },
      include: { turn: true, outbox: true },
    });
    expect(replies).toHaveLength(answering.length);
    expect(replies.every((r) => r.status === "sent" && r.outbox?.status === "sent" && r.turn !== null)).toBe(true);
    const generated = answering.filter((t) => t.turn.outcome.kind === "generated");
    expect(generated.length).toBeGreaterThan(4);
    expect(replies.filter((r) => r.turn!.promptTokens > 0)).toHaveLength(generated.length);
    expect(model.prompts).toHaveLength(generated.length);
    for (const { turn } of answering) expect(replies.map((r) => r.text)).toContain("text" in turn.outcome ? turn.outcome.text : "");

    // The daily cap counted the 19 earlier messages; after the notice the fan's messages were skipped, not answered.
    const skipped = await db.message.findMany({
      where: { businessId: business.businessId, status: "skipped", error: "daily-cap" },
      select: { text: true },
    });
    expect(skipped.map((m) => m.text).sort()).toEqual(["Hello??", "Please answer"]);

    // Two messages sent back to back were merged into one turn: one prompt, both in its last user turn.
    const burst = report.transcript.filter((t) => t.conversation === "first contact" && t.step === 2);
    expect(burst.map((t) => [t.turn.texts, t.turn.outcome.kind])).toEqual([[["When is the next video out?", "Can't wait!!"], "generated"]]);
    expect(burst[0]!.turn.renderedPrompt).toMatch(/When is the next video out\?\nCan't wait!! \[\/INST\] ?$/);

    // A flood of 30 is one burst: one polite notice, no generation, every message settled by it.
    const flood = report.transcript.filter((t) => t.conversation === "flood");
    expect(flood.map((t) => t.turn.outcome.kind === "reply" && t.turn.outcome.reason)).toContain("flood");
    expect(flood.filter((t) => t.turn.outcome.kind === "reply" && t.turn.outcome.reason === "flood")).toHaveLength(1);
    const floodTurns = JSON.stringify(flood.map((t) => [t.turn.texts.length, t.turn.outcome.kind, t.turn.modelCalls]));
    expect(
      flood.reduce((n, t) => n + t.turn.modelCalls, 0),
      floodTurns,
    ).toBe(0);
    expect(flood.reduce((n, t) => n + t.turn.texts.length, 0)).toBe(30);
  }, 300_000);

  it("reports failing expectations instead of passing them", async () => {
    const persona = path.join(dir, "support-bakery.md");
    await copyFile("prompts/support-bakery.md", persona);
    await writeFile(
      path.join(dir, "support-bakery.checks.yaml"),
      [
        "conversations:",
        "  - name: wrong on purpose",
        "    steps:",
        "      - say: Are you open on Sunday?",
        "        expect: { handoff: true, declined: true, silent: true, escalated: abuse }",
        "      - say: I want a refund",
        "        expect: { generated: true, neutralised: true, notContradicting: facts }",
      ].join("\n"),
    );
    const { report } = await checkThroughPipeline(persona, new RecordingChatModel(real));
    // Rows come in the order the expectations are defined in checks-schema.ts.
    expect(report.rows.map((r) => [r.step, r.expectation, r.passed])).toEqual([
      [1, "declined", false],
      [1, "handoff", false],
      [1, "escalated: abuse", false],
      [1, "silent", false],
      [2, "generated", false],
      [2, "notContradicting: facts", true],
      [2, "neutralised", false],
    ]);
    expect(formatCheckTable(report)).toMatch(/6 of 7 checks FAILED/);
  }, 120_000);

  it("checks a persona file exported from the console, with no scripted checks beside it, by what its settings call for", async () => {
    const file = path.join(dir, "mia-export.md");
    await writeFile(file, personaToMarkdown((await loadPersonaTemplate("fan-creator")).persona));
    const { report } = await checkThroughPipeline(file, new RecordingChatModel(real));
    expect(report.checksFile).toMatch(/own settings/);
    const names = new Set(report.rows.map((r) => r.conversation));
    for (const name of [
      "first message",
      "handoff, sponsorship",
      "blocked topic, politics",
      "blocked topic, Mia's family",
      "safety, self-harm",
      "prompt injection",
      "daily cap",
    ])
      expect(names).toContain(name);
    expect(report.rows.filter((r) => !r.passed)).toEqual([]);
  });

  it("refuses a persona whose prompt does not fit the budget, before starting anything", async () => {
    const start = () => Promise.reject(new Error("the pipeline must not start"));
    await expect(runPersonaChecks("prompts/fan-creator.md", { model: real, replyMaxTokens: 8, personaBudget: 100, start })).rejects.toThrowError(
      /fan-creator.md: the persona's system prompt is \d+ tokens; the limit is 100/,
    );
  });
});

describe("npm run persona:check (the entry point)", () => {
  const env = { MODEL_CACHE_DIR, LLM_THREADS: "2", LLM_SEQUENCES: "1", LOG_LEVEL: "info" };

  it("prints the table and exits 0 on the services it is given, which then hold the conversations", async () => {
    const given = { ...env, DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix.prefix };
    const result = await runEntry(
      "src/main/persona-check.ts",
      given,
      ["prompts/support-bakery.md", "--max-tokens", "4", "--temperature", "0", "--keep"],
      300_000,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/support-bakery \(support\): system prompt \d+ of \d+ tokens/);
    expect(result.stdout).toMatch(/All \d+ checks passed\./);
    expect(result.stderr).toMatch(/tiny random-weight model/);
    expect(result.stderr).toMatch(/through the pipeline on REDIS_URL, DATABASE_URL/);

    const slug = /Keeping business (persona-check-support-bakery-[0-9a-f]+)/.exec(result.stderr)?.[1];
    expect(slug).toBeDefined();
    const business = await database.db.business.findUniqueOrThrow({ where: { slug: slug! } });
    const inbound = await database.db.message.count({ where: { businessId: business.id, direction: "inbound" } });
    const replies = await database.db.message.count({ where: { businessId: business.id, direction: "outbound", status: "sent" } });
    const turns = await database.db.turn.count({ where: { businessId: business.id } });
    expect(inbound).toBe((await countScripted("prompts/support-bakery.checks.yaml")).scripted);
    expect(replies).toBeGreaterThanOrEqual(12);
    expect(turns).toBe(replies);
    // Its queues lived under their own prefix and were removed afterwards.
    const { Redis } = await import("ioredis");
    const redis = new Redis(TEST_REDIS_URL);
    expect(await redis.keys(`${prefix.prefix}:persona-check-*`)).toEqual([]);
    redis.disconnect();
  }, 300_000);

  it("exits 1 naming the failing rows for a broken persona, on embedded services", async () => {
    // The bakery without its refund and complaint handoffs: those steps reach the model.
    const broken = path.join(dir, "bakery-no-handoff.md");
    await writeFile(
      broken,
      (await readFile("prompts/support-bakery.md", "utf8")).replace("triggers: [human, refund, complaint]", "triggers: [human]"),
    );
    await copyFile("prompts/support-bakery.checks.yaml", path.join(dir, "bakery-no-handoff.checks.yaml"));
    const result = await runEntry(
      "src/main/persona-check.ts",
      { ...env, DATA_DIR: path.join(dir, "data") },
      [broken, "--max-tokens", "4", "--temperature", "0"],
      300_000,
    );
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/through the pipeline on private redis-server, embedded PGlite/);
    const failing = result.stdout.split("\n").filter((line) => line.endsWith("| FAIL"));
    // The refund is answered by the model and the agent keeps talking; the complaint likewise.
    expect(failing).toHaveLength(3);
    expect(failing[0]).toMatch(/^handoff, refund +\| 1 +\| The cake I picked up was stale.*\| generated +\| handoff +\| FAIL$/);
    expect(failing[1]).toMatch(/^handoff, refund +\| 2 +\| hello\?.*\| generated +\| silent +\| FAIL$/);
    expect(failing[2]).toMatch(/^handoff, complaint in S… +\| 1 +\| Quiero poner una queja.*\| handoff +\| FAIL$/);
    expect(result.stderr).toMatch(/error PERSONA_CHECK_FAILED: 3 of \d+ checks failed/);
  }, 300_000);

  it("exits 1 on an invalid persona, saying why, before starting anything", async () => {
    const broken = path.join(dir, "broken.md");
    await writeFile(
      broken,
      "---\nkind: fan\nname: Mia\nbusiness: Mia Bakes\nowner: { channel: admin, to: x }\n---\nA body long enough to be a body.\n",
    );
    const invalid = await runEntry("src/main/persona-check.ts", env, [broken], 60_000);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/error PERSONA_INVALID: .*broken\.md is not a valid persona:/);
    expect(invalid.stderr).toMatch(/broken\.md:1: disclosure: disclosure is required when kind is fan/);
    expect(invalid.stderr).not.toMatch(/through the pipeline/);
  }, 60_000);
});
