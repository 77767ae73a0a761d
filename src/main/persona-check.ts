import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../config/index.js";
import { InputError } from "../domain/errors.js";
import { copyMigratedPglite } from "../dev/migrated-pglite.js";
import { startServices } from "../dev/start-services.js";
import { formatCheckTable } from "../app/persona-checks/format-check-table.js";
import { checksFor, runPersonaChecks } from "../app/persona-checks/run-persona-checks.js";
import { LlamaChatModel } from "../adapters/llm/llama-chat-model.js";
import { ensureTinyModel } from "../dev/tiny-model/build-tiny-model.js";
import { createLogger } from "../adapters/logging/create-logger.js";
import { readPersonaFile } from "../domain/personas/persona-file.js";
import { personaTokenBudget } from "../domain/personas/render-persona.js";
import { BUSINESS_SETTING_DEFAULTS, businessSettingsShape } from "../domain/business-settings.js";
import { startCheckPipeline } from "./persona-check/check-pipeline.js";
import { runMain } from "./run-main.js";

const TINY_MODEL_REPLY_TOKENS = 32;

/**
 * `npm run persona:check <file>.md [--verbose] [--max-tokens N] [--temperature T] [--keep]`: validates the
 * persona file, renders it against the token budget, then replays the scripted conversations in
 * <file>.checks.yaml (or, without one, the checks its settings call for) through the whole pipeline (a throwaway business with the file as its
 * persona, the web chat route, the turn queue and worker, the real model: MODEL_PATH, else the tiny
 * noise model) and prints a pass/fail table. Exits 1 when any check fails. Redis and PostgreSQL are
 * REDIS_URL and DATABASE_URL, else a private redis-server and PGlite in a temporary directory.
 */
runMain(async (onShutdown) => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      verbose: { type: "boolean", default: false },
      "max-tokens": { type: "string" },
      temperature: { type: "string" },
      keep: { type: "boolean", default: false },
    },
  });
  const file = positionals[0];
  const usage = "usage: npm run persona:check prompts/<persona>.md [--verbose] [--max-tokens N] [--temperature T] [--keep]";
  if (!file || positionals.length > 1 || !file.endsWith(".md")) throw new InputError("USAGE", usage);
  const maxTokensArg = values["max-tokens"] === undefined ? undefined : Number(values["max-tokens"]);
  if (maxTokensArg !== undefined && !(Number.isInteger(maxTokensArg) && maxTokensArg > 0))
    throw new InputError("USAGE", `--max-tokens must be a positive whole number; ${usage}`);
  const temperature = values.temperature === undefined ? undefined : Number(values.temperature);
  if (temperature !== undefined && !businessSettingsShape.temperature.safeParse(temperature).success)
    throw new InputError("USAGE", `--temperature must be a number from 0 to 2; ${usage}`);
  // A broken persona or checks file fails before anything is started.
  const persona = { template: path.basename(file, ".md"), persona: await readPersonaFile(file) };
  await checksFor(file, persona.persona);
  const config = loadConfig("cli");
  // The worker's routine warnings (every guardrail decision is one) would bury the table; LOG_LEVEL=warn shows them.
  const logger = createLogger(config.logLevel === "info" ? "error" : config.logLevel, "persona-check", process.stderr);

  let modelPath = config.model.path;
  let replyMaxTokens = maxTokensArg ?? BUSINESS_SETTING_DEFAULTS.replyMaxTokens;
  if (!modelPath) {
    modelPath = await ensureTinyModel(config.model.cacheDir);
    // Noise is as good short as long, and the checks need many replies.
    replyMaxTokens = maxTokensArg ?? Math.min(replyMaxTokens, TINY_MODEL_REPLY_TOKENS);
    process.stderr.write(
      `MODEL_PATH is not set: using the tiny random-weight model (replies of at most ${replyMaxTokens} tokens). Its replies are noise; the checked rules are enforced in code.\n`,
    );
  }
  const model = await LlamaChatModel.load({ modelPath, ...config.model });
  onShutdown(() => model.close());

  const report = await runPersonaChecks(file, {
    model,
    replyMaxTokens,
    personaBudget: personaTokenBudget(model.contextSize, BUSINESS_SETTING_DEFAULTS.replyMaxTokens),
    start: async () => {
      const scratch = config.databaseUrl ? undefined : await mkdtemp(path.join(tmpdir(), "persona-check-"));
      if (scratch) await copyMigratedPglite(path.join(config.dataDir, "persona-check"), path.join(scratch, "pglite"));
      const services = await startServices({
        redisUrl: config.redisUrl,
        databaseUrl: config.databaseUrl,
        pgliteDir: path.join(scratch ?? "", "pglite"),
      });
      const stopServices = async () => {
        await services.stop();
        if (scratch) await rm(scratch, { recursive: true, force: true });
      };
      onShutdown(stopServices);
      const where = `${services.embedded.redis ? "private redis-server" : "REDIS_URL"}, ${services.embedded.postgres ? "embedded PGlite (temporary)" : "DATABASE_URL"}`;
      process.stderr.write(`Replaying the scripts through the pipeline on ${where}.\n`);
      const pipeline = await startCheckPipeline({
        config,
        redisUrl: services.redisUrl,
        databaseUrl: services.databaseUrl,
        model,
        persona,
        replyMaxTokens,
        ...(temperature !== undefined ? { temperature } : {}),
        logger,
        keep: values.keep,
        databaseConnections: services.embedded.postgres ? 1 : 8,
      });
      if (values.keep)
        process.stderr.write(`Keeping business ${pipeline.business.businessSlug} (${pipeline.business.businessId}) and its conversations.\n`);
      return pipeline;
    },
  });
  process.stdout.write(`${formatCheckTable(report)}\n`);
  if (values.verbose) {
    for (const { conversation, step, turn } of report.transcript) {
      const sent = "text" in turn.outcome ? turn.outcome.text : `(nothing sent: ${turn.outcome.reason})`;
      const said = new Set(turn.texts).size === 1 && turn.texts.length > 1 ? `${turn.texts[0]} (x${turn.texts.length})` : turn.texts.join(" / ");
      process.stdout.write(`\n[${conversation} #${step}] > ${said}\n< ${sent}\n`);
    }
  }
  if (report.failed > 0) throw new InputError("PERSONA_CHECK_FAILED", `${report.failed} of ${report.rows.length} checks failed for ${file}`);
  return "exit";
});
