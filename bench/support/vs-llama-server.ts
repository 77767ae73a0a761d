import { readFileSync } from "node:fs";
import os from "node:os";
import { round } from "./stats.js";
import { formatTable } from "./table.js";

/** /proc/loadavg (1, 5, 15 min load averages, running/total tasks) when a measurement started and ended. */
export interface LoadAvg {
  readonly start: string;
  readonly end: string;
}

/** One issue #18 target, ours against llama-server measured in the same run: what a script reads. */
export interface VsEntry {
  /** The bench section that measured it (1, 3, 7, 9); re-running that section with --merge replaces it. */
  readonly section: number;
  readonly figure: string;
  /** The target, e.g. ">= 1.0x". */
  readonly target: string;
  /** ours / llama-server as `ratioIs` says; > 1 is better for ours in every entry. */
  readonly ratio: number;
  readonly ratioIs: string;
  readonly met: boolean;
  readonly ours: number;
  readonly llamaServer: number;
  readonly unit: string;
  /** The GGUF: "tiny" (64 wide), "random-1024" (a random-weight Llama that wide), or the file's name. */
  readonly model: string;
  /** Embedding width of the model; null for a MODEL_PATH file. */
  readonly width: number | null;
  readonly threads: number;
  readonly loadavg: LoadAvg;
  readonly measuredAt: string;
  /** The machine's CPU model and count, so entries merged from runs on different machines tell so. */
  readonly cpu?: string;
  /**
   * Section 3: ours' round i / llama-server's round i (they ran one after the other), over the rounds
   * both ran: how far a single pair strays from the ratio of the totals on this machine.
   */
  readonly pairedRounds?: { readonly n: number; readonly min: number; readonly median: number; readonly max: number };
  /** Anything else the target needs (e.g. the message + template bound of the warm-persona case). */
  readonly detail?: Record<string, unknown>;
}

export interface VsLlamaServer {
  readonly note: string;
  /** Per section: how its llama-server ran (command line, and what its defaults mean there). */
  readonly peerSettings: Record<string, string>;
  /** Keyed `<section>:<what>:<model>[:...]`, stable across runs. */
  readonly entries: Record<string, VsEntry>;
}

export const VS_NOTE =
  "Issue #18's targets: ours vs llama.cpp's llama-server (built from the llama.cpp node-llama-cpp bundles, scripts/build-llama-server.sh) on the same GGUF, " +
  "same threads, per-slot context, KV type and batch size, in the same run, llama-server otherwise at its defaults (host-RAM prompt cache on). " +
  "Every ratio is oriented so that > 1 is better for ours: speed as ours / llama-server (tokens/s) or llama-server ms / ours ms (TTFT); " +
  "evaluated tokens as llama-server / ours (> 1: ours evaluates fewer). `met` compares the ratio with the target. " +
  "evaluatedTokensRatio10/60 elsewhere in this file are ours vs the stateless naive baseline, not vs llama-server.";

export function loadavg(): string {
  return readFileSync("/proc/loadavg", "utf8").trim();
}

/** Measures `body` with the load average at its start and end. */
export async function withLoad<T>(body: () => Promise<T>): Promise<{ result: T; loadavg: LoadAvg }> {
  const start = loadavg();
  const result = await body();
  return { result, loadavg: { start, end: loadavg() } };
}

/** A model label and width for the entries: "tiny" is the 64-wide built-in model. */
export function modelOf(label: { readonly tiny: boolean; readonly width?: number | undefined; readonly path: string }): {
  model: string;
  width: number | null;
} {
  if (label.tiny) return { model: "tiny", width: 64 };
  if (label.width) return { model: `random-${label.width}`, width: label.width };
  return { model: label.path.split("/").at(-1) ?? label.path, width: null };
}

type Common = Pick<VsEntry, "section" | "figure" | "model" | "width" | "threads" | "loadavg"> & { readonly detail?: Record<string, unknown> };

/** Higher is faster: ours / llama-server. */
export function speedEntry(c: Common, ours: number, llamaServer: number, unit: string, min = 1): VsEntry {
  const ratio = round(ours / llamaServer, 2);
  return finish(c, {
    ratio,
    ratioIs: `ours / llama-server ${unit} (> 1: ours faster)`,
    target: `>= ${min.toFixed(1)}x`,
    met: ratio >= min,
    ours,
    llamaServer,
    unit,
  });
}

/** Lower is faster: llama-server ms / ours ms. */
export function latencyEntry(c: Common, oursMs: number, llamaServerMs: number, min = 1): VsEntry {
  const ratio = round(llamaServerMs / oursMs, 2);
  return finish(c, {
    ratio,
    ratioIs: "llama-server ms / ours ms (> 1: ours faster)",
    target: `>= ${min.toFixed(1)}x`,
    met: ratio >= min,
    ours: oursMs,
    llamaServer: llamaServerMs,
    unit: "ms",
  });
}

/** Fewer is better: llama-server's evaluated tokens / ours; `met` as the caller decides (a bound, or >= 1). */
export function evaluatedEntry(c: Common, ours: number, llamaServer: number, target: string, met: boolean): VsEntry {
  const ratio = round(llamaServer / ours, 2);
  return finish(c, {
    ratio,
    ratioIs: "llama-server evaluated tokens / ours (> 1: ours evaluates fewer)",
    target,
    met,
    ours,
    llamaServer,
    unit: "tokens",
  });
}

function finish(c: Common, rest: Pick<VsEntry, "ratio" | "ratioIs" | "target" | "met" | "ours" | "llamaServer" | "unit">): VsEntry {
  return { ...c, ...rest, measuredAt: new Date().toISOString(), cpu: cpuLabel() };
}

export function cpuLabel(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model.trim() ?? "unknown"} x ${cpus.length}`;
}

/** ours[i] / llamaServer[i] for the rounds both ran, higher is faster for ours; undefined without a pair. */
export function pairedRounds(ours: readonly number[], llamaServer: readonly number[]): VsEntry["pairedRounds"] {
  const n = Math.min(ours.length, llamaServer.length);
  if (n === 0) return undefined;
  const ratios = Array.from({ length: n }, (_, i) => ours[i]! / llamaServer[i]!).sort((a, b) => a - b);
  const median = n % 2 === 1 ? ratios[(n - 1) / 2]! : (ratios[n / 2 - 1]! + ratios[n / 2]!) / 2;
  return { n, min: round(ratios[0]!, 2), median: round(median, 2), max: round(ratios[n - 1]!, 2) };
}

export function entryKey(e: VsEntry, what: string): string {
  return `${e.section}:${what}:${e.model}`;
}

/**
 * The vsLlamaServer of a run merged into a file's: this run's sections replace all earlier
 * entries of the same sections (a section re-run updates its targets, and a target it no longer
 * measures disappears with it); entries of other sections stay.
 */
export function mergeVs(previous: unknown, run: VsLlamaServer, runSections: readonly number[]): VsLlamaServer {
  const old = isVs(previous) ? previous : { note: VS_NOTE, peerSettings: {}, entries: {} };
  // A section measured again replaces its entries model by model: a run on the 2,048-wide model keeps the 1,024-wide figures.
  const measured = new Set(Object.values(run.entries).map((e) => `${e.section}|${e.model}`));
  const replaced = (e: { section: number; model: string }) =>
    runSections.includes(e.section) && (measured.has(`${e.section}|${e.model}`) || !Object.values(run.entries).some((r) => r.section === e.section));
  const kept = Object.fromEntries(Object.entries(old.entries).filter(([, e]) => !replaced(e)));
  const settings = Object.fromEntries(Object.entries(old.peerSettings).filter(([section]) => !runSections.includes(Number(section))));
  return { note: run.note, peerSettings: { ...settings, ...run.peerSettings }, entries: { ...kept, ...run.entries } };
}

function isVs(x: unknown): x is VsLlamaServer {
  return (
    typeof x === "object" && x !== null && typeof (x as VsLlamaServer).entries === "object" && typeof (x as VsLlamaServer).peerSettings === "object"
  );
}

export function vsTable(vs: VsLlamaServer): string {
  const rows: Array<Array<string | number>> = [
    [
      "section",
      "figure",
      "model",
      "threads",
      "ours",
      "llama-server",
      "unit",
      "ratio",
      "paired rounds min-max (n)",
      "target",
      "met",
      "load avg (1 min) start/end",
    ],
  ];
  const entries = Object.values(vs.entries).sort(
    (a, b) => a.section - b.section || a.figure.localeCompare(b.figure) || a.model.localeCompare(b.model),
  );
  for (const e of entries) {
    const load = `${e.loadavg.start.split(" ")[0]}/${e.loadavg.end.split(" ")[0]}`;
    rows.push([
      e.section,
      e.figure,
      e.model,
      e.threads,
      round(e.ours, 1),
      round(e.llamaServer, 1),
      e.unit,
      e.ratio,
      e.pairedRounds ? `${e.pairedRounds.min}-${e.pairedRounds.max} (${e.pairedRounds.n})` : "",
      e.target,
      e.met ? "yes" : "NO",
      load,
    ]);
  }
  const machines = [...new Set(entries.map((e) => e.cpu ?? "not recorded"))];
  const table = formatTable(rows);
  return machines.length > 1 ? `${table}\nmeasured on more than one machine: ${machines.join("; ")} (see each entry's cpu)` : table;
}
