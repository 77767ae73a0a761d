import { ttftSummary, type ConversationResult } from "../evaluated-tokens.js";
import type { IngestResult } from "../ingest.js";
import type { KvDiskResult } from "../kv-disk.js";
import type { KvTiersResult } from "../kv-tiers.js";
import type { MemoryResult } from "../memory.js";
import type { OverheadResult } from "../overhead.js";
import type { LevelResult, ThroughputResult } from "../throughput.js";
import { SCALE_OPERATIONS, type ScaleResult } from "../scale.js";
import { round } from "./stats.js";
import { formatTable } from "./table.js";

export interface Target {
  readonly figure: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

/** Naive: the stateless worst case (the sequence cleared, the whole prompt re-read every turn), which no current engine does. */
export function conversationTable(results: ReadonlyArray<readonly [string, ConversationResult]>): string {
  const rows: Array<Array<string | number>> = [
    [
      "conversation",
      "turns",
      "trims at turn",
      "evaluated ours",
      "evaluated llama-server",
      "evaluated naive",
      "naive/ours",
      "TTFT p50 2.. ours ms",
      "TTFT p50 2.. llama-server ms",
      "TTFT p50 2.. naive ms",
      "TTFT mean ours ms",
      "TTFT mean naive ms",
    ],
  ];
  for (const [label, r] of results) {
    const ttft = ttftSummary(r);
    rows.push([
      `${label} turns`,
      r.turnsRun,
      r.trimmedAt.join(",") || "-",
      r.oursTotal,
      r.peer?.evaluatedTotal ?? "-",
      r.naiveTotal,
      r.ratio,
      ttft.ours.p50AfterFirst,
      ttft.llamaServer?.p50AfterFirst ?? "-",
      ttft.naive.p50AfterFirst,
      ttft.ours.mean,
      ttft.naive.mean,
    ]);
  }
  return formatTable(rows);
}

export function perTurnTable(label: string, r: ConversationResult): string {
  const rows: Array<Array<string | number>> = [
    [
      "turn",
      "prompt tokens",
      "evaluated ours",
      "shifted ours",
      "evaluated llama-server",
      "evaluated naive",
      "TTFT ours ms",
      "TTFT llama-server ms",
      "TTFT naive ms",
      "reply tokens gen/retok",
    ],
  ];
  r.ours.forEach((ours, i) =>
    rows.push([
      `${label}:${i + 1}`,
      r.promptTokens[i]!,
      ours,
      r.shifted[i]!,
      r.peer?.evaluated[i] ?? "-",
      r.naive[i]!,
      r.ttftMs.ours[i] ?? Number.NaN,
      r.peer ? (r.peer.ttftMs[i] ?? Number.NaN) : "-",
      r.ttftMs.naive[i] ?? Number.NaN,
      `${r.generatedTokens.ours[i]}/${r.replyTokensRetokenized[i]}`,
    ]),
  );
  return formatTable(rows);
}

export function throughputTable(r: ThroughputResult, threads: number, contexts = 1): string {
  const rows: Array<Array<string | number>> = [
    [
      "engine",
      "concurrent",
      "conversations",
      "contexts",
      "threads",
      "rounds",
      "tokens",
      "wall ms",
      "tokens/s",
      "x vs 1",
      "stopped early",
      "decode only tokens/s",
      "decode only x vs 1",
      "ours / llama-server",
    ],
  ];
  const slotsOf = (l: LevelResult, scattered: boolean) => (scattered || l.slots.length === 1 ? l.slots.join(",") : `${l.slots[0]}-${l.slots.at(-1)}`);
  for (const l of [...r.levels, ...(r.scattered ? [r.scattered] : [])]) {
    const scattered = l === r.scattered;
    const engine = scattered ? undefined : r.decodeOnly.find((d) => d.concurrent === l.concurrent);
    const peer = scattered ? undefined : r.llamaServer?.levels.find((p) => p.concurrent === l.concurrent);
    rows.push([
      "ours",
      l.concurrent,
      slotsOf(l, scattered),
      contexts,
      threads,
      l.rounds,
      l.generatedTokens,
      l.wallMs,
      l.tokensPerSec,
      l.speedupVsOne,
      l.stoppedEarly,
      engine?.tokensPerSec ?? Number.NaN,
      engine?.speedupVsOne ?? Number.NaN,
      peer ? round(l.tokensPerSec / peer.tokensPerSec, 2) : "-",
    ]);
  }
  for (const l of r.llamaServer?.levels ?? [])
    rows.push([
      "llama-server",
      l.concurrent,
      slotsOf(l, false),
      "-",
      threads,
      l.rounds,
      l.generatedTokens,
      l.wallMs,
      l.tokensPerSec,
      l.speedupVsOne,
      l.stoppedEarly,
      "-",
      "-",
      "-",
    ]);
  return formatTable(rows);
}

export function overheadTable(runs: readonly OverheadResult[]): string {
  const rows: Array<Array<string | number>> = [["part", "debounce ms", "n", "p50 ms", "p99 ms", "mean ms", "max ms"]];
  for (const r of runs) {
    for (const [name, s] of [
      ["(a) 202 -> generate()", r.acceptToGeneration],
      ["(b) generate() done -> send()", r.generationToSend],
      ["POST round trip", r.postRoundTrip],
    ] as const) {
      rows.push([name, r.debounceMs, s.n, s.p50, s.p99, s.mean, s.max]);
    }
  }
  return formatTable(rows);
}

export function prismaCallsTable(r: OverheadResult): string {
  const rows: Array<Array<string | number>> = [["part", "Prisma call", "calls/msg", "mean ms"]];
  for (const [part, b] of [
    ["(a)", r.prismaCalls.acceptToGeneration],
    ["(b)", r.prismaCalls.generationToSend],
  ] as const) {
    for (const [name, op] of Object.entries(b.operations)) rows.push([part, name, op.perMessage, op.meanMs]);
    rows.push([part, `all (sum of durations p50 ${b.callMsPerMessageP50} ms)`, b.callsPerMessage, Number.NaN]);
  }
  return formatTable(rows);
}

export function ingestTable(r: IngestResult): string {
  const rows: Array<Array<string | number>> = [
    ["run", "posted", "202", "200 dup", "errors", "jobs queued", "wall ms", "msg/s", "CPU ms/msg", "PG CPU ms/msg", "p50 ms", "p99 ms"],
  ];
  for (const run of r.runs) {
    rows.push([
      run.mode,
      run.posted,
      run.accepted,
      run.duplicates,
      run.errors,
      run.jobsQueued,
      run.wallMs,
      run.perSec,
      run.cpuMsPerMessage,
      run.postgresCpuMsPerMessage ?? Number.NaN,
      run.latencyMs.p50,
      run.latencyMs.p99,
    ]);
  }
  return formatTable(rows);
}

export function memoryTable(r: MemoryResult): string {
  const rows: Array<Array<string | number>> = [["conversations", "RSS MB", "heap MB", "external MB", "elapsed s"]];
  for (const s of r.samples) rows.push([s.conversations, s.rssMb, s.heapUsedMb, s.externalMb, s.elapsedMs / 1000]);
  return formatTable(rows);
}

export function kvDiskTable(r: KvDiskResult): string {
  const rows: Array<Array<string | number>> = [
    [
      "prompt tokens",
      "reps",
      "(a) re-evaluate p50 ms",
      "(b) save disk p50 ms",
      "fdatasync p50 ms",
      "(b) save RAM p50 ms",
      "file MB",
      "KV bytes/token",
      "(c) restore disk warm p50 ms",
      "(c) restore disk cold p50 ms",
      "(c) restore RAM p50 ms",
      "a/c warm",
      "a/c cold",
      "same 1st token",
    ],
  ];
  for (const s of r.sizes) {
    rows.push([
      s.promptTokens,
      s.repetitions,
      s.reevaluateMs.p50,
      s.saveMs.p50,
      s.syncMs.p50,
      r.ramTier ? s.saveRamMs.p50 : "-",
      s.fileMb,
      s.kvBytesPerToken,
      s.restoreWarmMs.p50,
      r.coldCacheDrop ? s.restoreColdMs.p50 : "-",
      r.ramTier ? s.restoreRamMs.p50 : "-",
      s.speedupWarm,
      r.coldCacheDrop ? s.speedupCold : "-",
      `${s.sameFirstToken}/${s.repetitions}`,
    ]);
  }
  return formatTable(rows);
}

export function kvTiersTable(r: KvTiersResult): string {
  const sources = (s: Record<string, number>) =>
    Object.entries(s)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ");
  const rows: Array<Array<string | number>> = [
    [
      "case",
      "setup",
      "prompt tokens",
      "evaluated p50",
      "evaluated max",
      "TTFT p50 ms",
      "TTFT p99 ms",
      "n",
      "cache from",
      "evicting turn TTFT p50 ms",
      "evicting turn evaluated p50",
    ],
  ];
  for (const x of r.returning)
    rows.push([
      "returning conversation",
      x.setup,
      x.promptTokens,
      x.evaluatedTokens.p50,
      x.evaluatedTokens.max,
      x.ttftMs.p50,
      x.ttftMs.p99,
      x.ttftMs.n,
      sources(x.sources),
      x.evictingTtftMs.p50,
      x.evictingEvaluatedTokens.p50,
    ]);
  for (const x of r.newConversation)
    rows.push([
      `new conversation (message+template ${x.messageTokens})`,
      x.setup,
      x.promptTokens,
      x.evaluatedTokens.p50,
      x.evaluatedTokens.max,
      x.ttftMs.p50,
      x.ttftMs.p99,
      x.ttftMs.n,
      sources(x.sources),
      "-",
      "-",
    ]);
  return formatTable(rows);
}

export function targetsTable(targets: readonly Target[]): string {
  return formatTable([["figure", "target", "measured", "met"], ...targets.map((t) => [t.figure, t.target, t.measured, t.met ? "yes" : "NO"])]);
}

export function scaleTable(r: ScaleResult): string {
  const rows: Array<Array<string | number>> = [
    ["operation", "empty p50 ms", "empty p99 ms", "loaded p50 ms", "loaded p99 ms", "p50 loaded/empty", "p99 loaded/empty", "samples"],
  ];
  for (const op of SCALE_OPERATIONS) {
    const e = r.empty.latencyMs[op];
    const l = r.loaded.latencyMs[op];
    rows.push([op, e.p50, e.p99, l.p50, l.p99, r.ratio[op].p50, r.ratio[op].p99, l.n]);
  }
  return formatTable(rows);
}
