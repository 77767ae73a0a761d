import { parseArgs } from "node:util";

export const ALL_SECTIONS = [1, 2, 3, 4, 5, 6, 7, 8, 9] as const;

export interface BenchArgs {
  readonly quick: boolean;
  /** Sections to run (1-9); 1 and 2 come from the same conversations. */
  readonly sections: ReadonlySet<number>;
  /** Short conversations for the memory section (6). */
  readonly conversations: number;
  /** Upper bound on the wall time of each section; a section stops early (and says so) when it is reached. */
  readonly sectionMinutes: number;
  readonly out: string;
  /** Before each section, wait (up to quietMinutes) until other work on the machine has calmed down. */
  readonly waitQuiet: boolean;
  readonly quietMinutes: number;
  /** Section 7 without MODEL_PATH: a random-weight Llama this wide (2 blocks) instead of the 64-wide tiny model. */
  readonly kvWidth: number | undefined;
  /** Section 3 without MODEL_PATH: measured again on a random-weight Llama this wide, besides the tiny model. */
  readonly throughputWidth: number | undefined;
  /** Section 9 without MODEL_PATH: also on a random-weight Llama this wide, besides the tiny model. */
  readonly engineWidth: number | undefined;
  /** Sections 1-2 without MODEL_PATH: the conversations again on a random-weight Llama this wide, besides the tiny model. */
  readonly conversationWidth: number | undefined;
  /** Sections 1, 3 and 7 put llama-server (scripts/build-llama-server.sh, or LLAMA_SERVER_BIN) beside ours; --no-llama-server leaves it out. */
  readonly llamaServer: boolean;
  /** Add this run's sections to the JSON already at --out (keeping the other sections' figures) instead of replacing it. */
  readonly merge: boolean;
  /** Section 8: messages of other businesses' traffic seeded around the measured operations (1M; --quick 100k). */
  readonly scaleMessages: number;
}

/** Flags of `npm run bench -- ...`: --quick, --only 1,3, --conversations N, --section-minutes M, --out FILE, --wait-quiet, --quiet-minutes M, --kv-width N, --throughput-width N, --conversation-width N, --scale-messages N, --engine-width N, --merge, --no-llama-server. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      conversations: { type: "string" },
      "section-minutes": { type: "string" },
      out: { type: "string", default: "bench/results/latest.json" },
      "wait-quiet": { type: "boolean", default: false },
      "quiet-minutes": { type: "string" },
      "kv-width": { type: "string" },
      "throughput-width": { type: "string" },
      "scale-messages": { type: "string" },
      "engine-width": { type: "string" },
      merge: { type: "boolean", default: false },
      "conversation-width": { type: "string" },
      "no-llama-server": { type: "boolean", default: false },
    },
  });
  const quick = values.quick ?? false;
  const sections = new Set<number>(values.only ? values.only.split(",").map((s) => positiveInt(s, "--only")) : ALL_SECTIONS);
  for (const s of sections) if (s > 9) throw new Error(`--only: sections are 1-9, got ${s}`);
  return {
    quick,
    sections,
    conversations: values.conversations ? positiveInt(values.conversations, "--conversations") : quick ? 1000 : 10_000,
    sectionMinutes: values["section-minutes"] ? positiveInt(values["section-minutes"], "--section-minutes") : quick ? 3 : 20,
    out: values.out ?? "bench/results/latest.json",
    waitQuiet: (values["wait-quiet"] ?? false) || values["quiet-minutes"] !== undefined,
    quietMinutes: values["quiet-minutes"] ? positiveInt(values["quiet-minutes"], "--quiet-minutes") : 5,
    kvWidth: values["kv-width"] ? multipleOf64(values["kv-width"], "--kv-width") : undefined,
    throughputWidth: values["throughput-width"] ? multipleOf64(values["throughput-width"], "--throughput-width") : undefined,
    merge: values.merge ?? false,
    engineWidth: values["engine-width"] ? multipleOf64(values["engine-width"], "--engine-width") : undefined,
    conversationWidth: values["conversation-width"] ? multipleOf64(values["conversation-width"], "--conversation-width") : undefined,
    llamaServer: !(values["no-llama-server"] ?? false),
    scaleMessages: values["scale-messages"] ? positiveInt(values["scale-messages"], "--scale-messages") : quick ? 100_000 : 1_000_000,
  };
}

function multipleOf64(text: string, flag: string): number {
  const n = positiveInt(text, flag);
  if (n % 64 !== 0) throw new Error(`${flag}: expected a multiple of 64 (heads of 64), got ${n}`);
  return n;
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: expected a positive integer, got "${text}"`);
  return n;
}
