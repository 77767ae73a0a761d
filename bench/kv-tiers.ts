import { mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { Config } from "../src/config/index.js";
import type { ChatPrompt, ChatTurn } from "../src/domain/chat-prompt.js";
import { LlamaChatModel } from "../src/adapters/llm/llama-chat-model.js";
import type { KvTierOptions } from "../src/adapters/llm/kv-tiers.js";
import { bakeryMessage } from "./support/bakery-script.js";
import type { ModelChoice } from "./support/bench-model.js";
import type { Deadline } from "./support/deadline.js";
import type { Peer } from "./support/peer-server.js";
import { summarize, type Summary } from "./support/stats.js";

export interface KvTiersOptions {
  readonly system: string;
  /** Length of the returning conversation and of the one that took its sequence meanwhile. */
  readonly promptTokens: number;
  readonly repetitions: number;
  /** Disk tier parent (same disk the worker would use); the RAM tier gets a directory in /dev/shm. */
  readonly dir: string;
  readonly deadline: Deadline;
  /** llama-server with one slot and its defaults (host-RAM prompt cache on), run through the same cases. */
  readonly peer?: Peer | undefined;
}

export interface ReturningRun {
  readonly setup: string;
  readonly ttftMs: Summary;
  /** Conversation B's first turn, which evicts A: B's prompt read (from the persona on) plus saving A. */
  readonly evictingTtftMs: Summary;
  readonly evictingEvaluatedTokens: Summary;
  readonly evaluatedTokens: Summary;
  readonly promptTokens: number;
  /** Where the returning turns' caches came from (ram / disk / none). */
  readonly sources: Record<string, number>;
}

export interface NewConversationRun {
  readonly setup: string;
  readonly ttftMs: Summary;
  readonly evaluatedTokens: Summary;
  readonly promptTokens: number;
  /** The customer's message and the template around it (countTurnTokens): what a warm persona leaves to evaluate. */
  readonly messageTokens: number;
  readonly sources: Record<string, number>;
}

export interface KvTiersResult {
  readonly tiers: string;
  readonly returning: ReturningRun[];
  readonly newConversation: NewConversationRun[];
  readonly truncated: boolean;
}

const OTHER_BUSINESS =
  "You are Max, the assistant of Northside Cycles, a bicycle shop. Repairs take two working days; we sell city bikes, road bikes and spare parts. Be brief.";

/**
 * Section 7, through the worker's own model (LlamaChatModel, one sequence so every other
 * conversation evicts): (a) a returning conversation of ~promptTokens after a long chat of
 * another customer took its sequence: time to first token (generate with maxTokens 1: the
 * prompt's reading plus one sampled token, including saving the conversation it evicts) with the
 * KV tiers off, with project defaults (host RAM, then disk), and with the disk tier alone;
 * (b) the first turn of a new conversation when another business held the sequence: persona
 * evaluated (tiers off) vs the business's persona prefix loaded (defaults, warm). With a peer,
 * llama-server (one slot, its host-RAM prompt cache at its default) answers the same cases,
 * interleaved with project defaults repetition by repetition (same load for both); its TTFT is the same "prompt read plus one token" (n_predict 1, request
 * sent to answer complete). The turn of B that evicts A is timed as well (maxTokens 1).
 */
export async function runKvTiers(config: Config, choice: ModelChoice, options: KvTiersOptions): Promise<KvTiersResult> {
  await mkdir(options.dir, { recursive: true });
  const diskRoot = await mkdtemp(path.join(options.dir, "kv-tiers-"));
  const ramRoot = await mkdtemp("/dev/shm/parlor-bench-kv-").catch(() => path.join(diskRoot, "no-dev-shm"));
  const defaults = config.model.kvTiers;
  const withDirs = (name: string, ram: boolean, disk: boolean): KvTierOptions => ({
    ram: ram && defaults?.ram ? { ...defaults.ram, dir: path.join(ramRoot, name) } : undefined,
    disk: disk && defaults?.disk ? { ...defaults.disk, dir: path.join(diskRoot, name) } : undefined,
    maxAgeMs: defaults?.maxAgeMs ?? 3_600_000,
    personaPrefix: defaults?.personaPrefix ?? true,
  });
  const setups: Array<[string, KvTierOptions | undefined | "peer"]> = [
    ["tiers off (re-read)", undefined],
    ...(options.peer ? [[PEER_SETUP, "peer"] as [string, "peer"]] : []),
    ["project defaults (RAM, then disk)", withDirs("defaults", true, true)],
    ["disk tier alone", withDirs("disk", false, true)],
  ];
  const returning: ReturningRun[] = [];
  const newConversation: NewConversationRun[] = [];
  let truncated = false;
  let tiers = "";
  const contextSize = Math.max(config.model.contextSize, options.promptTokens * 2 + 256);
  // llama-server and project defaults run interleaved, repetition by repetition, so that both meet the
  // same load (this machine is shared); the other setups run before and after them.
  const groups = [
    setups.filter(([s]) => s.startsWith("tiers off")),
    setups.filter(([s]) => s === PEER_SETUP || s.startsWith("project")),
    setups.filter(([s]) => s.startsWith("disk")),
  ];
  try {
    for (const group of groups) {
      const engines: Array<{ setup: string; kind: KvTierOptions | undefined | "peer"; model: Engine; r: Figures }> = [];
      try {
        for (const [setup, kvTiers] of group) {
          const model =
            kvTiers === "peer"
              ? peerEngine(options.peer!)
              : ourEngine(await LlamaChatModel.load({ ...config.model, modelPath: choice.path, sequences: 1, contextSize, kvTiers }));
          if (setup.startsWith("project")) tiers = model.description.replace(/^.*saved KV: /, "").replace(/\)$/, "");
          engines.push({ setup, kind: kvTiers, model, r: emptyFigures() });
        }
        for (let rep = 0; rep < options.repetitions; rep++) {
          if (options.deadline.passed()) {
            truncated = true;
            break;
          }
          for (const e of engines) await returningRep(e.model, e.setup, rep, options, e.r);
        }
        for (const e of engines) {
          if (e.r.ttft.length > 0)
            returning.push({
              setup: e.setup,
              ttftMs: summarize(e.r.ttft),
              evictingTtftMs: summarize(e.r.evicting),
              evictingEvaluatedTokens: summarize(e.r.evictingEvaluated),
              evaluatedTokens: summarize(e.r.evaluated),
              promptTokens: e.r.promptTokens,
              sources: e.r.sources,
            });
        }
        // (b) New conversations of the bakery, each after another business held the sequence.
        const fresh = engines.filter((e) => !e.setup.startsWith("disk")).map((e) => ({ ...e, r: emptyFigures() }));
        for (let rep = -1; rep < options.repetitions; rep++) {
          if (options.deadline.passed()) {
            truncated = true;
            break;
          }
          for (const e of fresh) await newConversationRep(e.model, e.setup, rep, options, e.r);
        }
        for (const e of fresh) {
          if (e.r.ttft.length === 0) continue;
          const label = e.kind === "peer" ? PEER_SETUP : e.kind ? "persona prefix warm (defaults)" : "persona evaluated (tiers off)";
          newConversation.push({
            setup: label,
            ttftMs: summarize(e.r.ttft),
            evaluatedTokens: summarize(e.r.evaluated),
            promptTokens: e.r.promptTokens,
            messageTokens: e.r.messageTokens,
            sources: e.r.sources,
          });
        }
      } finally {
        for (const e of engines) await e.model.close();
      }
    }
  } finally {
    await rm(diskRoot, { recursive: true, force: true });
    await rm(ramRoot, { recursive: true, force: true });
  }
  return { tiers, returning, newConversation, truncated };
}

interface Figures {
  ttft: number[];
  evicting: number[];
  evictingEvaluated: number[];
  evaluated: number[];
  sources: Record<string, number>;
  promptTokens: number;
  messageTokens: number;
}

function emptyFigures(): Figures {
  return { ttft: [], evicting: [], evictingEvaluated: [], evaluated: [], sources: {}, promptTokens: 0, messageTokens: 0 };
}

/** (a) A long conversation A, then B's first turn (evicts A, timed), then A returns with a new message (timed). */
async function returningRep(model: Engine, setup: string, rep: number, options: KvTiersOptions, r: Figures): Promise<void> {
  const conversation = (customer: number) => longConversation(model, options.system, options.promptTokens, customer);
  const a = await conversation(rep * 2);
  const first = await model.generate(a, 8, `${setup}-a-${rep}`);
  const b = await conversation(rep * 2 + 1);
  const evictStarted = performance.now();
  const evictor = await model.generate(b, 1, `${setup}-b-${rep}`);
  r.evicting.push(performance.now() - evictStarted);
  r.evictingEvaluated.push(evictor.evaluatedTokens);
  const back: ChatPrompt = {
    system: a.system,
    turns: [...a.turns, { role: "assistant", text: first.text }, { role: "user", text: bakeryMessage(rep + 3) }],
  };
  const started = performance.now();
  const g = await model.generate(back, 1, `${setup}-a-${rep}`);
  r.ttft.push(performance.now() - started);
  r.evaluated.push(g.evaluatedTokens);
  r.promptTokens = g.promptTokens;
  r.sources[g.cacheSource] = (r.sources[g.cacheSource] ?? 0) + 1;
}

/** (b) Another business's turn, then a new conversation of the bakery (timed); repetition -1 only warms the persona prefix. */
async function newConversationRep(model: Engine, setup: string, rep: number, options: KvTiersOptions, r: Figures): Promise<void> {
  await model.generate(
    { system: OTHER_BUSINESS, turns: [{ role: "user", text: `Can you fix a flat tyre by Friday? (${rep})` }] },
    4,
    `${setup}-bikes-${rep}`,
  );
  const message: ChatTurn = { role: "user", text: bakeryMessage(rep + 5) };
  const started = performance.now();
  const g = await model.generate({ system: options.system, turns: [message] }, 1, `${setup}-new-${rep}`);
  // The first one only warms the persona prefix (its figures are the cold case of the tiers-off row).
  if (rep < 0) return;
  r.ttft.push(performance.now() - started);
  r.evaluated.push(g.evaluatedTokens);
  r.promptTokens = g.promptTokens;
  r.messageTokens = await model.countTurnTokens(message);
  r.sources[g.cacheSource] = (r.sources[g.cacheSource] ?? 0) + 1;
}

export const PEER_SETUP = "llama-server (one slot, host-RAM prompt cache at its default)";

/** What section 7 asks of an engine: ours (LlamaChatModel, one sequence) or llama-server (one slot). */
interface Engine {
  readonly description: string;
  countPromptTokens(prompt: ChatPrompt): Promise<number>;
  countTurnTokens(turn: ChatTurn): Promise<number>;
  generate(
    prompt: ChatPrompt,
    maxTokens: number,
    conversationKey: string,
  ): Promise<{ text: string; evaluatedTokens: number; promptTokens: number; cacheSource: string }>;
  close(): Promise<void>;
}

function ourEngine(model: LlamaChatModel): Engine {
  return {
    description: model.description,
    countPromptTokens: (p) => model.countPromptTokens(p),
    countTurnTokens: (t) => model.countTurnTokens(t),
    async generate(prompt, maxTokens, conversationKey) {
      const g = await model.generate(prompt, { maxTokens, conversationKey });
      return { text: g.text, evaluatedTokens: g.evaluatedTokens, promptTokens: g.promptTokens, cacheSource: g.cacheSource ?? "none" };
    },
    close: () => model.close(),
  };
}

/** llama-server's slot 0 for every conversation: another conversation's turn evicts, as one sequence does for ours. */
function peerEngine(peer: Peer): Engine {
  return {
    description: peer.settings,
    countPromptTokens: async (p) => peer.countPromptTokens(p),
    // The message and the template around it: the tokens a prompt grows by with one more user turn.
    countTurnTokens: async (t) =>
      peer.countPromptTokens({ system: "", turns: [{ role: "assistant", text: "x" }, t] }) -
      peer.countPromptTokens({ system: "", turns: [{ role: "assistant", text: "x" }] }),
    async generate(prompt, maxTokens) {
      const t = await peer.turn(prompt, { slot: 0, maxTokens });
      // Where its cache came from is not reported; a prompt mostly not evaluated came from the slot or its host-RAM cache.
      return {
        text: t.text,
        evaluatedTokens: t.evaluatedTokens,
        promptTokens: t.promptTokens,
        cacheSource: t.evaluatedTokens < t.promptTokens / 2 ? "slot or RAM cache" : "none",
      };
    },
    close: async () => undefined,
  };
}

/** A bakery conversation of at least `tokens` prompt tokens, ending with the customer; `customer` varies its messages. */
async function longConversation(model: Engine, system: string, tokens: number, customer: number): Promise<ChatPrompt> {
  const turns: ChatTurn[] = [];
  for (let i = 0; ; i++) {
    const ask = `${bakeryMessage(customer + i)} (order ${customer}-${i})`;
    const prompt: ChatPrompt = { system, turns: [...turns, { role: "user", text: ask }] };
    if ((await model.countPromptTokens(prompt)) >= tokens) return prompt;
    turns.push(
      { role: "user", text: ask },
      { role: "assistant", text: `Thank you for asking! ${bakeryMessage(customer + i + 7)} We are happy to help with that at Sunrise Bakery.` },
    );
  }
}
