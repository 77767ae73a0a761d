import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { round } from "./support/stats.js";
import type { MemorySample } from "./support/memory-child.js";

export interface MemoryResult {
  readonly conversations: number;
  readonly sequences: number;
  readonly maxTokens: number;
  readonly every: number;
  readonly samples: MemorySample[];
  readonly startMb: number;
  readonly endMb: number;
  readonly maxMb: number;
  /** end - start (start = after the model is loaded, before the first conversation). */
  readonly growthMb: number;
  /** end - the first sample after start: what is left once buffers are warm (flattening check). */
  readonly growthAfterFirstSampleMb: number;
  /** Growth over the second half of the run. */
  readonly growthSecondHalfMb: number;
  readonly truncated: boolean;
}

const CHILD = fileURLToPath(new URL("./support/memory-child.ts", import.meta.url));

/**
 * Section 6. A separate Node process (same environment, so the same config) loads one
 * LlamaChatModel and answers `conversations` short conversations, each with its own conversation
 * key (persona + one message, maxTokens 4), as many at once as the model has sequences; RSS is
 * sampled (after a GC) every 1,000 conversations.
 */
export function runMemory(options: { readonly conversations: number; readonly minutes: number }): Promise<MemoryResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--expose-gc", "--import", "tsx", CHILD, "--conversations", String(options.conversations), "--minutes", String(options.minutes)],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`memory child exited with ${code}: ${stdout.trim()}`));
      try {
        const line = stdout.trim().split("\n").at(-1) ?? "";
        const raw = JSON.parse(line) as Omit<
          MemoryResult,
          "startMb" | "endMb" | "maxMb" | "growthMb" | "growthAfterFirstSampleMb" | "growthSecondHalfMb"
        >;
        resolve(summarizeMemory(raw));
      } catch (error) {
        reject(new Error(`memory child printed no result: ${String(error)}\n${stdout}`));
      }
    });
  });
}

function summarizeMemory(
  raw: Omit<MemoryResult, "startMb" | "endMb" | "maxMb" | "growthMb" | "growthAfterFirstSampleMb" | "growthSecondHalfMb">,
): MemoryResult {
  const rss = raw.samples.map((s) => s.rssMb);
  const start = rss[0] ?? Number.NaN;
  const end = rss.at(-1) ?? Number.NaN;
  const half = raw.samples.findIndex((s) => s.conversations >= raw.conversations / 2);
  return {
    ...raw,
    startMb: start,
    endMb: end,
    maxMb: Math.max(...rss),
    growthMb: round(end - start, 1),
    growthAfterFirstSampleMb: round(end - (rss[1] ?? start), 1),
    growthSecondHalfMb: round(end - (rss[half] ?? start), 1),
  };
}
