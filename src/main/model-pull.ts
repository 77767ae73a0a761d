/**
 * `npm run model:pull [-- --model <name> | --url <url>] [-- --out <path>]`: downloads a chat
 * GGUF (Llama-2-7B-chat Q4_K_M by default; `--list` shows the ones known by name), resumable,
 * then prints the MODEL_PATH line to set.
 *
 * Progress goes to stderr (a bar on a terminal, periodic lines otherwise); the result goes to
 * stdout. Ctrl-C stops and keeps the .part file; running again resumes it.
 */
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { catalogListing, catalogModel, MODEL_CATALOG } from "../adapters/llm/model-catalog.js";
import { ModelPullError, pullModel, type PullProgress } from "../adapters/llm/model-pull.js";

const DEFAULT_MODEL = MODEL_CATALOG[0]!;
export const DEFAULT_MODEL_OUT = `models/${DEFAULT_MODEL.file}`;

const USAGE = `usage: npm run model:pull -- [--model <name> | --url <url>] [--out <path>] [--list]
  --model  a chat model by name (default: ${DEFAULT_MODEL.name}); --list shows them
  --url    any other GGUF file to download
  --out    where to save it (default: models/<its file name>, relative to the current directory)`;

const LINE_INTERVAL_MS = 5_000;
const SPEED_WINDOW_MS = 5_000;

/** Runs the CLI and returns the process exit code. */
export async function runModelPull(argv: string[]): Promise<number> {
  let url: string;
  let out: string;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        model: { type: "string" },
        url: { type: "string" },
        out: { type: "string" },
        list: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (values.list) {
      process.stdout.write(`Chat models by name (Q4_K_M; the template is read from the file):\n${catalogListing()}\n`);
      return 0;
    }
    if (values.model !== undefined && values.url !== undefined) throw new Error("give --model or --url, not both");
    const chosen = values.model === undefined ? (values.url === undefined ? DEFAULT_MODEL : undefined) : catalogModel(values.model);
    if (values.model !== undefined && !chosen) throw new Error(`no model named "${values.model}"; these are known:\n${catalogListing()}`);
    url = values.url ?? chosen!.url;
    out = resolve(values.out ?? (chosen ? `models/${chosen.file}` : DEFAULT_MODEL_OUT));
  } catch (err) {
    process.stderr.write(`model:pull: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }

  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  const progress = process.stderr.isTTY ? barReporter() : lineReporter();
  process.stderr.write(`Downloading ${url.replace(/[?#].*$/, "")}\n         to ${out}\n`);
  try {
    const result = await pullModel({ url, destination: out, signal: controller.signal, onProgress: progress.update });
    progress.stop();
    const size = formatBytes(result.bytes);
    if (result.alreadyPresent) {
      process.stdout.write(`Model already present, not downloaded again: ${result.path} (${size})\n`);
    } else {
      const how = result.resumed ? ", resumed" : "";
      process.stdout.write(`Model saved: ${result.path} (${size}${how})\n`);
    }
    process.stdout.write(`Set this in your environment (e.g. .env):\nMODEL_PATH=${result.path}\n`);
    return 0;
  } catch (err) {
    progress.stop();
    if (err instanceof ModelPullError && err.code === "MODEL_PULL_ABORTED") {
      process.stderr.write(`model:pull interrupted: partial download kept at ${out}.part; run again to resume\n`);
      return 130;
    }
    const code = err instanceof ModelPullError ? ` [${err.code}]` : "";
    process.stderr.write(`model:pull failed${code}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    process.off("SIGINT", onSigint);
  }
}

interface Reporter {
  update: (p: PullProgress) => void;
  stop: () => void;
}

function barReporter(): Reporter {
  const bar = new cliProgress.SingleBar(
    {
      format: " {bar} {pct} | {done} / {size} | {speed} | ETA {remaining}",
      hideCursor: true,
      barsize: 30,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const rate = rateMeter();
  let started = false;
  return {
    update(p) {
      const d = describe(p, rate(p.received));
      // Own token names: cli-progress's built-in {eta}/{value}/{total} would override a payload.
      const payload = { pct: d.pct, done: d.done, size: d.size, speed: d.speed, remaining: d.eta };
      const total = p.total ?? 0;
      if (!started) {
        bar.start(total, p.received, payload);
        started = true;
      } else {
        if (total !== bar.getTotal()) bar.setTotal(total);
        bar.update(p.received, payload);
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

function lineReporter(): Reporter {
  const rate = rateMeter();
  let lastLine = 0;
  let last: PullProgress | null = null;
  let speed: number | null = null;
  const print = (p: PullProgress): void => {
    const d = describe(p, speed);
    process.stderr.write(`  ${d.done} / ${d.size} (${d.pct})  ${d.speed}  ETA ${d.eta}\n`);
  };
  return {
    update(p) {
      speed = rate(p.received);
      last = p;
      const now = Date.now();
      if (now - lastLine >= LINE_INTERVAL_MS) {
        lastLine = now;
        print(p);
      }
    },
    stop() {
      if (last) print(last);
      last = null;
    },
  };
}

/** Returns a function that records the byte count and gives bytes/second over a sliding window. */
function rateMeter(): (received: number) => number | null {
  const samples: Array<{ t: number; bytes: number }> = [];
  return (received) => {
    const t = Date.now();
    samples.push({ t, bytes: received });
    while (samples.length > 2 && t - (samples[0]?.t ?? t) > SPEED_WINDOW_MS) samples.shift();
    const first = samples[0];
    if (!first || t - first.t < 500) return null;
    return ((received - first.bytes) * 1000) / (t - first.t);
  };
}

function describe(p: PullProgress, bytesPerSecond: number | null) {
  const remaining = p.total !== null ? p.total - p.received : null;
  return {
    done: formatBytes(p.received),
    size: p.total !== null ? formatBytes(p.total) : "?",
    pct: p.total ? `${((p.received / p.total) * 100).toFixed(1)}%` : "?%",
    speed: bytesPerSecond !== null ? `${formatBytes(bytesPerSecond)}/s` : "-- /s",
    eta: remaining !== null && bytesPerSecond ? formatDuration(remaining / bytesPerSecond) : "--",
  };
}

function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? Math.round(value) : value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  process.exitCode = await runModelPull(process.argv.slice(2));
}
