// `npx tsx bench/binding-decode.ts [--threads 1,2] [--levels 1,2,4] [--widths tiny,1024] [--steps 64] [--passes 3] [--label L] [--out FILE]`
// Decode speed of whichever native binding node-llama-cpp loads (prebuilt, or the local build
// scripts/build-binding.sh linked): one decode per step carrying one token for each of N sequences,
// no sampling (bench/support/decode-only.ts), per model and thread count. Run it once per binding
// (the link in node_modules/node-llama-cpp/llama/localBuilds decides) to compare binaries.
import { readlink, mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { loadConfig } from "../src/config/index.js";
import { bindingKey, nodeLlamaCppDir } from "../src/adapters/llm/native-binding.js";
import { chooseModel, wideRandomModel } from "./support/bench-model.js";
import { measureDecodeOnly } from "./support/decode-only.js";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const list = (name: string, fallback: string) => (args.get(name) ?? fallback).split(",").filter(Boolean);
const threadsList = list("threads", "1,2").map(Number);
const levels = list("levels", "1,2,4").map(Number);
const widths = list("widths", "tiny,1024");
const steps = Number(args.get("steps") ?? 64);
const passes = Number(args.get("passes") ?? 3);
if (!(passes >= 2)) throw new Error("--passes must be at least 2: the first pass is a warm-up");

const config = loadConfig("cli");
const load = () => os.loadavg().map((l) => Math.round(l * 100) / 100);
const probe = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
const linkPath = path.join(nodeLlamaCppDir(), "llama", "localBuilds", `${process.platform}-${process.arch}`);
const binding = { buildType: probe.buildType, localBuild: await readlink(linkPath).catch(() => null), nodeLlamaCpp: (await bindingKey()).version };
await probe.dispose();
process.stdout.write(`binding: ${JSON.stringify(binding)}\n`);

const runs = [];
for (const width of widths) {
  const model =
    width === "tiny" ? await chooseModel({ ...config, model: { ...config.model, path: undefined } }) : await wideRandomModel(config, Number(width));
  for (const threads of threadsList) {
    const loadStart = load();
    const result = await measureDecodeOnly(model.path, {
      threads,
      promptText: "Hello there, I would like to order a cake for Saturday.",
      levels,
      steps,
      passes,
    });
    const loadEnd = load();
    for (const l of result)
      process.stdout.write(
        `${width}\t${threads} threads\t${l.concurrent} seq\t${l.msPerStep} ms/step\t${l.tokensPerSec} tok/s\tload ${loadStart.join(" ")}\n`,
      );
    runs.push({ width, threads, levels: result, loadStart, loadEnd });
  }
}
const out = args.get("out");
if (out) {
  await mkdir(path.dirname(out), { recursive: true });
  const record = {
    command: `npx tsx ${process.argv
      .slice(1)
      .map((a) => path.relative(process.cwd(), a) || a)
      .join(" ")}`,
    label: args.get("label") ?? null,
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", node: process.version },
    binding,
    steps,
    passes,
    runs,
  };
  await writeFile(out, `${JSON.stringify(record, null, 2)}\n`);
}
