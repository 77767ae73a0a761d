import { randomInt } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { chaosVerdict, formatChaosResult } from "../../test-kit/chaos/format-chaos-result.js";
import { runChaos } from "../../test-kit/chaos/run-chaos.js";

/**
 * `npm run chaos`: 500 messages over 100 conversations through 2 gateways, 3 workers and a fake
 * WhatsApp, with every fault at once (see README.md); loopback only, bounded in count and time.
 * `--seed N` repeats a run's texts, fault schedule and fault draws.
 */
const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    conversations: { type: "string", default: "100" },
    messages: { type: "string", default: "5" },
    "traffic-s": { type: "string", default: "60" },
    gateways: { type: "string", default: "2" },
    workers: { type: "string", default: "3" },
    "worker-kills": { type: "string", default: "5" },
    "gateway-kills": { type: "string", default: "1" },
    "redis-restarts": { type: "string", default: "1" },
    // Redis as a cluster: the Redis fault (--redis-restarts of them) is a primary failover, not a restart.
    "redis-cluster": { type: "boolean", default: false },
    "postgres-restarts": { type: "string", default: "2" },
    "postgres-down-ms": { type: "string", default: "3000" },
    "lock-stalls": { type: "string", default: "10" },
    "session-kills": { type: "string", default: "5" },
    "stall-rate": { type: "string", default: "0.1" },
    "platform-fault-rate": { type: "string", default: "0.05" },
    "each-platform-fault": { type: "string", default: "2" },
    "platform-refusals": { type: "string", default: "2" },
    duplicates: { type: "string", default: "50" },
    "timeout-s": { type: "string", default: "900" },
    "log-dir": { type: "string", default: "bench/results/chaos-logs" },
  },
});

const seed = values.seed !== undefined ? Number(values.seed) : randomInt(2 ** 31);
const logDir = path.resolve(values["log-dir"]!, `seed-${seed}-${new Date().toISOString().replace(/[:.]/g, "-")}`);
await mkdir(logDir, { recursive: true });
process.stdout.write(`chaos run, seed ${seed} (repeat it with --seed ${seed}); process logs in ${path.relative(".", logDir)}\n`);
const loadBefore = os.loadavg();
const result = await runChaos({
  seed,
  conversations: Number(values.conversations),
  messagesPerConversation: Number(values.messages),
  trafficMs: Number(values["traffic-s"]) * 1000,
  gateways: Number(values.gateways),
  workers: Number(values.workers),
  workerKills: Number(values["worker-kills"]),
  gatewayKills: Number(values["gateway-kills"]),
  redisRestarts: Number(values["redis-restarts"]),
  redisCluster: values["redis-cluster"]!,
  postgresRestarts: Number(values["postgres-restarts"]),
  postgresDownMs: Number(values["postgres-down-ms"]),
  lockStalls: Number(values["lock-stalls"]),
  sessionKills: Number(values["session-kills"]),
  stallRate: Number(values["stall-rate"]),
  platformFaultRate: Number(values["platform-fault-rate"]),
  eachPlatformFault: Number(values["each-platform-fault"]),
  platformRefusals: Number(values["platform-refusals"]),
  duplicates: Number(values.duplicates),
  timeoutMs: Number(values["timeout-s"]) * 1000,
  modelCacheDir: path.resolve(".cache/models"),
  logDir,
  log: (line) => process.stdout.write(`  ${line}\n`),
});
const loadAfter = os.loadavg();
process.stdout.write(`${formatChaosResult(result)}\n`);
process.stdout.write(`load average (1 min) before ${loadBefore[0]!.toFixed(2)}, after ${loadAfter[0]!.toFixed(2)}\n`);
await mkdir("bench/results", { recursive: true });
const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  memoryGb: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  loadAverage: { before: loadBefore, after: loadAfter },
};
const args = process.argv.slice(2).filter((arg, i, all) => arg !== "--log-dir" && all[i - 1] !== "--log-dir");
const command = `npm run chaos -- ${values.seed === undefined ? `--seed ${seed} ` : ""}${args.join(" ")}`.trim();
const resultFile = values["redis-cluster"] ? "bench/results/chaos-cluster.json" : "bench/results/chaos.json";
await writeFile(resultFile, `${JSON.stringify({ command, machine, ...result }, null, 2)}\n`);
const verdict = chaosVerdict(result);
if (verdict.length > 0) process.stdout.write(`targets missed: ${verdict.join("; ")}\n`);
process.exitCode = verdict.length === 0 ? 0 : 1;
