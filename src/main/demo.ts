import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../config/index.js";
import { describeTakeOver } from "../dev/data-dir-lock.js";
import { startServices } from "../dev/start-services.js";
import { LlamaChatModel } from "../adapters/llm/llama-chat-model.js";
import { ensureTinyModel } from "../dev/tiny-model/build-tiny-model.js";
import { createLogger } from "../adapters/logging/create-logger.js";
import { DEFAULT_PERSONA_TEMPLATE, loadPersonaTemplate } from "../domain/personas/persona-templates.js";
import { createDb } from "../adapters/storage/create-db.js";
import { migrateDatabase } from "../adapters/storage/migrate-database.js";
import { seedBusiness } from "../adapters/storage/seed-business.js";
import { composeGateway } from "./compose-gateway.js";
import { composeWorker } from "./compose-worker.js";
import { personaConversionLines } from "./persona-conversion-lines.js";
import { runMain, STOP_MARGIN_MS } from "./run-main.js";
import { WebchatClient } from "./webchat-client.js";

/**
 * `npm run demo`: the whole system in one process on embedded defaults (a private redis-server,
 * an embedded PostgreSQL, the tiny model) unless REDIS_URL, DATABASE_URL or MODEL_PATH say otherwise.
 * `npm run demo -- --say "text"` sends one message through the pipeline, prints the reply and exits.
 */
runMain(async (onShutdown, controls) => {
  const { values } = parseArgs({ options: { say: { type: "string" }, persona: { type: "string", default: DEFAULT_PERSONA_TEMPLATE } } });
  const say = values.say;
  const config = loadConfig("demo");
  // With --say, stdout carries only the reply; everything else goes to stderr.
  const status = (line: string) => (say === undefined ? process.stdout : process.stderr).write(`${line}\n`);
  const logger = createLogger(say === undefined ? config.logLevel : "warn", "demo", process.stderr);
  controls.useLogger(logger);
  controls.setDeadline(config.reliability.shutdownDeadlineMs + STOP_MARGIN_MS);

  const pgliteDir = path.join(config.dataDir, "pglite");
  const services = await startServices({ redisUrl: config.redisUrl, databaseUrl: config.databaseUrl, pgliteDir });
  onShutdown(() => services.stop());
  const { redisUrl, databaseUrl } = services;
  status(
    services.embedded.redis
      ? `Redis:      private redis-server at ${redisUrl} (set REDIS_URL to use your own)`
      : `Redis:      ${redactUrl(redisUrl)}`,
  );
  status(
    services.embedded.postgres
      ? `PostgreSQL: embedded (PGlite) with data in ${config.dataDir} (set DATABASE_URL to use your own)`
      : `PostgreSQL: ${redactUrl(databaseUrl)}`,
  );
  if (services.tookOverPostgresFrom) status(`            ${describeTakeOver(pgliteDir, services.tookOverPostgresFrom)}`);
  const migration = await migrateDatabase(databaseUrl);
  if (migration.applied) status(`            migrations applied: ${migration.migrations.join(", ")}`);
  for (const line of personaConversionLines(migration.personas)) status(`            ${line}`);

  // PGlite serves one session: statements from several connections can interleave there (electric-sql/pglite#1046).
  const db = createDb(databaseUrl, { maxConnections: services.embedded.postgres ? 1 : 8 });
  onShutdown(() => db.$disconnect());
  const { template, persona } = await loadPersonaTemplate(values.persona!);
  const seeded = await seedBusiness(db, { template, persona }, "demo");
  status(`Business:   ${persona.settings.business}, persona ${persona.settings.name} (prompts/${template}.md, version ${seeded.personaVersion})`);

  let modelPath = config.model.path;
  if (!modelPath) {
    modelPath = await ensureTinyModel(config.model.cacheDir);
    status("Model:      MODEL_PATH is not set, so this runs a tiny random-weight model: its replies are NOISE.");
    status("            Set MODEL_PATH to a Llama-2-chat GGUF (npm run model:pull downloads Llama-2-7B-chat) for real answers.");
  }
  const model = await LlamaChatModel.load({ modelPath, ...config.model });
  onShutdown(() => model.close());
  if (config.model.path) status(`Model:      ${model.description}`);

  const worker = composeWorker({ config, db, redisUrl, model, logger: logger.child({ role: "worker" }) });
  onShutdown(() => worker.close());
  const gateway = composeGateway({ config, db, redisUrl, logger: logger.child({ role: "gateway" }) });
  onShutdown(() => gateway.close());
  const address = await gateway.app.listen({ host: config.http.host, port: say === undefined ? config.http.port : 0 });

  if (say !== undefined) {
    const client = new WebchatClient(address, seeded.channelKey);
    await client.send(say);
    const reply = await client.waitForReply(600_000);
    process.stdout.write(`${reply.text}\n`);
    return "exit";
  }
  status(`\nChat page:  ${address}/chat/${seeded.channelKey}`);
  status(`Terminal:   npm run chat -- --url ${address} --channel ${seeded.channelKey}`);
  status("Ctrl-C to stop.");
});

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}
