import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { createDb } from "../../src/storage/create-db.js";
import { migrateDatabase } from "../../src/storage/migrate-database.js";
import { runChaos } from "./run-chaos.js";

/**
 * `npm run chaos`: 500 messages over 100 conversations through the gateway, 3 worker processes
 * and a fake WhatsApp, with SIGKILLs, a Redis restart and duplicate deliveries; loopback only,
 * bounded in count and time. Uses a scratch database on the local PostgreSQL (--pg).
 */
const { values } = parseArgs({
  options: {
    pg: { type: "string", default: "postgresql://root@127.0.0.1:5432/postgres" },
    conversations: { type: "string", default: "100" },
    messages: { type: "string", default: "5" },
    workers: { type: "string", default: "3" },
    kills: { type: "string", default: "5" },
    duplicates: { type: "string", default: "50" },
    "timeout-s": { type: "string", default: "600" },
  },
});

const admin = new pg.Client({ connectionString: values.pg });
await admin.connect();
const name = `parlor_chaos_${Date.now()}`;
await admin.query(`create database "${name}"`);
const url = new URL(values.pg!);
url.pathname = `/${name}`;
const databaseUrl = url.toString();
const db = createDb(databaseUrl);
try {
  await migrateDatabase(databaseUrl);
  const result = await runChaos({
    db,
    databaseUrl,
    conversations: Number(values.conversations),
    messagesPerConversation: Number(values.messages),
    workers: Number(values.workers),
    kills: Number(values.kills),
    duplicates: Number(values.duplicates),
    restartRedis: true,
    timeoutMs: Number(values["timeout-s"]) * 1000,
    modelCacheDir: path.resolve(".cache/models"),
    log: (line) => process.stdout.write(`  ${line}\n`),
  });
  const rows: Array<[string, string | number | boolean]> = [
    ["received", result.received],
    ["answered", result.answered],
    ["duplicate sends", result.duplicateSends],
    ["lost", result.lost],
    ["order violations", result.orderViolations],
    ["failed, visible to the admin", result.failedVisible],
    ["worker SIGKILLs", result.kills],
    ["Redis restarts", result.redisRestarts],
    ["duplicate deliveries", result.duplicatesDelivered],
    ["max answer latency (ms)", result.maxLatencyMs],
    ["p99 answer latency (ms)", result.p99LatencyMs],
    ["quiescent", result.quiescent],
    ["duration (s)", Math.round(result.durationMs / 1000)],
  ];
  for (const [label, value] of rows) process.stdout.write(`${label.padEnd(30)} ${value}\n`);
  await mkdir("bench/results", { recursive: true });
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version };
  await writeFile("bench/results/chaos.json", `${JSON.stringify({ command: "npm run chaos", machine, ...result }, null, 2)}\n`);
  process.stdout.write(
    `chaos: received=${result.received} answered=${result.answered} duplicate_sends=${result.duplicateSends} lost=${result.lost} order_violations=${result.orderViolations}\n`,
  );
  process.exitCode = result.lost === 0 && result.duplicateSends === 0 && result.orderViolations === 0 && result.quiescent ? 0 : 1;
} finally {
  await db.$disconnect();
  await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.end();
}
