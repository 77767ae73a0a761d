import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatCheckTable } from "../../src/guardrails/checks/format-check-table.js";
import { runPersonaChecks } from "../../src/guardrails/checks/run-persona-checks.js";
import type { LlamaChatModel } from "../../src/llm/llama-chat-model.js";
import { RecordingChatModel } from "../support/recording-chat-model.js";
import { runEntry } from "../support/run-entry.js";
import { MODEL_CACHE_DIR } from "../support/test-env.js";
import { loadTinyChatModel } from "../support/tiny-chat-model.js";

// persona:check's runner on the real engine (tiny model: real Llama-2 tokenizer and chat template,
// noise replies). Every check must pass on noise, because the rules are enforced in code.
let real: LlamaChatModel;
let dir: string;
const deps = (model: RecordingChatModel) => ({ model, replyMaxTokens: 8, chunkTokens: 256, personaBudget: 1920 });

beforeAll(async () => {
  real = await loadTinyChatModel({ contextSize: 4096, sequences: 2 });
  dir = await mkdtemp(path.join(tmpdir(), "persona-check-"));
});
afterAll(async () => {
  await real?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("persona:check on the shipped templates", () => {
  it.each(["prompts/support-bakery.md", "prompts/fan-creator.md"])(
    "%s passes every scripted check",
    async (file) => {
      const model = new RecordingChatModel(real);
      const report = await runPersonaChecks(file, deps(model));
      expect(report.failed, formatCheckTable(report)).toBe(0);
      expect(report.rows.length).toBeGreaterThan(15);
      expect(report.systemPromptTokens).toBeLessThanOrEqual(report.budget);
      // The model really answered the turns the policy let through, and nothing else.
      const generatedTurns = report.transcript.filter((t) => t.turn.outcome.kind === "generated").length;
      expect(generatedTurns).toBeGreaterThan(5);
      expect(model.prompts).toHaveLength(generatedTurns);
      for (const prompt of model.prompts) {
        const rendered = model.renderPrompt(prompt);
        expect(rendered.split("<<SYS>>")).toHaveLength(2);
        expect(rendered.split("[INST]").length - 1).toBe(prompt.turns.filter((t) => t.role === "user").length);
      }
      // A flood of 30 got a handful of generations and one notice, not 30 answers.
      const flood = report.transcript.filter((t) => t.conversation === "flood");
      expect(flood).toHaveLength(30);
      expect(flood.filter((t) => t.turn.modelCalls > 0).length).toBeLessThanOrEqual(10);
    },
    240_000,
  );

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
        "        expect: { handoff: true, declined: true, silent: true }",
        "      - say: I want a refund",
        "        expect: { generated: true, neutralised: true, notContradicting: facts }",
      ].join("\n"),
    );
    const report = await runPersonaChecks(persona, deps(new RecordingChatModel(real)));
    // Rows come in the order the expectations are defined in checks-schema.ts.
    expect(report.rows.map((r) => [r.step, r.expectation, r.passed])).toEqual([
      [1, "declined", false],
      [1, "handoff", false],
      [1, "silent", false],
      [2, "generated", false],
      [2, "notContradicting: facts", true],
      [2, "neutralised", false],
    ]);
    expect(formatCheckTable(report)).toMatch(/5 of 6 checks FAILED/);
  });

  it("refuses a persona whose prompt does not fit the budget", async () => {
    await expect(runPersonaChecks("prompts/fan-creator.md", { ...deps(new RecordingChatModel(real)), personaBudget: 100 })).rejects.toThrowError(
      /fan-creator: the system prompt needs \d+ tokens; the limit is 100/,
    );
  });
});

describe("npm run persona:check (the entry point)", () => {
  const env = { MODEL_CACHE_DIR, LLM_THREADS: "2", LLM_SEQUENCES: "1", LLM_TEMPERATURE: "0", LOG_LEVEL: "warn" };

  it("prints the table and exits 0 when every check passes", async () => {
    const result = await runEntry("src/main/persona-check.ts", env, ["prompts/support-bakery.md", "--max-tokens", "4"], 240_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/support-bakery \(support\): system prompt \d+ of \d+ tokens/);
    expect(result.stdout).toMatch(/All \d+ checks passed\./);
    expect(result.stderr).toMatch(/tiny random-weight model/);
  }, 240_000);

  it("exits 1 on a failing check and on an invalid persona, saying why", async () => {
    const failing = await runEntry("src/main/persona-check.ts", env, [path.join(dir, "support-bakery.md"), "--max-tokens", "4"], 240_000);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/FAIL/);
    expect(failing.stderr).toMatch(/error PERSONA_CHECK_FAILED: 5 of 6 checks failed/);

    const broken = path.join(dir, "broken.md");
    await writeFile(broken, "---\nkind: fan\nname: Mia\nbusiness: Mia Bakes\nowner: { channel: admin, to: x }\n---\nA body long enough to be a body.\n");
    const invalid = await runEntry("src/main/persona-check.ts", env, [broken], 60_000);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/error PERSONA_INVALID: .*broken\.md is not a valid persona:/);
    expect(invalid.stderr).toMatch(/broken\.md:1: disclosure: disclosure is required when kind is fan/);
  }, 240_000);
});
