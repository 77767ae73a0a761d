import { BUSINESS_SETTING_DEFAULTS } from "../../src/domain/business-settings.js";
import { performance } from "node:perf_hooks";
import type { Config } from "../../src/config/index.js";
import type { ChatPrompt } from "../../src/domain/chat-prompt.js";
import { OpenAiChatModel, slotOf } from "../../src/adapters/llm/openai-chat-model.js";
import { localPromptCounter } from "../../src/adapters/llm/prompt-counter.js";
import { PromptFormat } from "../../src/adapters/llm/prompt-format.js";
import type { ChatModel } from "../../src/ports/chat-model.js";
import { LLAMA_SERVER_MODEL_ALIAS, LlamaServer } from "../../test-kit/llama-server.js";
import { loadBenchModel, type ModelChoice } from "./bench-model.js";
import { peerComplete } from "./llama-server-peer.js";

const BYTE_TOKENS = Array.from({ length: 256 }, (_, i) => i + 3);

export const ENGINE_NAMES = ["embedded", "openai", "peerText", "peerTokens"] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export const ENGINE_LABELS: Record<EngineName, string> = {
  embedded: "ours, embedded (node-llama-cpp)",
  openai: "ours, LLM_ENGINE=openai on llama-server",
  peerText: "llama-server /completion, prompt as text",
  peerTokens: "llama-server /completion, prompt as token ids",
};

export interface TurnResult {
  readonly text: string;
  readonly promptTokens: number;
  readonly evaluatedTokens: number;
  readonly generatedTokens: number;
  readonly ttftMs: number | null;
  /** Stopped before maxTokens (EOS; the random-weight models do, at random). */
  readonly stoppedEarly: boolean;
}

/** One way of answering a turn; `slot` is the conversation's place (sequence or llama-server slot), kept for all its turns. */
export interface EngineUnderTest {
  readonly name: EngineName;
  turn(prompt: ChatPrompt, options: { readonly slot: number; readonly maxTokens: number; readonly fresh: boolean }): Promise<TurnResult>;
}

/** The three engines on one GGUF: ours in this process, and one llama-server that both ours (over the OpenAI API) and the peer talk to. */
export interface EngineSet {
  readonly engines: Record<EngineName, EngineUnderTest>;
  /** Token counting and rendering for buildPrompt (the embedded model; same tokenizer and template everywhere). */
  readonly counter: ChatModel;
  readonly serverCommand: string;
  close(): Promise<void>;
}

/**
 * Loads ours embedded with `slots` sequences of `contextSize`, and starts llama-server with the same
 * threads, batch size, flash-attention setting ("auto", node-llama-cpp's default), KV type and
 * per-slot context (`--parallel slots`, `-c slots x contextSize`, no unified KV).
 */
export async function startEngines(
  config: Config,
  choice: ModelChoice,
  options: { readonly slots: number; readonly contextSize: number; readonly randomWeights: boolean },
): Promise<EngineSet> {
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const server = await LlamaServer.start({
      modelPath: choice.path,
      parallel: options.slots,
      contextPerSlot: options.contextSize,
      chatTemplateFile: "deploy/llama2-chat.jinja",
      threads: config.model.threads,
      batchSize: 512,
      flashAttention: "auto",
      kvCacheType: config.model.kvCacheType,
      // A random-weight model's output ends in a broken UTF-8 sequence now and then, and llama-server
      // then fails the request at its end ("does not match the expected Content-only format"),
      // timings lost: its byte tokens (ids 3-258 in the Llama-2 vocabulary) are banned for every request.
      extraArgs: ["--no-kv-unified", ...(options.randomWeights ? BYTE_TOKENS.flatMap((id) => ["-l", `${id}-inf`]) : [])],
    });
    closers.push(() => server.stop());
    const embedded = await loadBenchModel(config, choice, { sequences: options.slots, contextSize: options.contextSize });
    closers.push(() => embedded.close());
    const vocabulary = await PromptFormat.loadVocabulary(choice.path);
    closers.push(() => vocabulary.close());
    const openai = await OpenAiChatModel.connect({
      baseUrl: server.baseUrl,
      model: LLAMA_SERVER_MODEL_ALIAS,
      contextSize: options.contextSize,
      temperature: BUSINESS_SETTING_DEFAULTS.temperature,
      seed: config.model.seed,
      // The worker's counting with a GGUF at hand; the vocabulary is closed by its own closer.
      counter: localPromptCounter(vocabulary.format, async () => undefined),
      slots: options.slots,
      timeoutMs: 300_000,
      // As the worker: a refused or dropped connection is tried again (see llama-server-peer.ts).
      maxAttempts: 3,
    });
    closers.push(() => openai.close());
    const keys = keysForSlots(options.slots);
    const peer = (byTokens: boolean): EngineUnderTest => ({
      name: byTokens ? "peerTokens" : "peerText",
      async turn(prompt, o) {
        // The clock starts before the prompt is rendered (and tokenized), as it does for ours.
        const started = performance.now();
        const r = await peerComplete(
          server.baseUrl,
          {
            prompt: byTokens ? vocabulary.format.tokenize(prompt) : vocabulary.format.render(prompt),
            slot: o.slot,
            maxTokens: o.maxTokens,
            cachePrompt: !o.fresh,
            temperature: BUSINESS_SETTING_DEFAULTS.temperature,
            seed: config.model.seed,
          },
          started,
        );
        return { ...r, stoppedEarly: r.stopType !== "limit" };
      },
    });
    // A failed request says what the server last wrote (it may have died).
    const explained = (engine: EngineUnderTest): EngineUnderTest => ({
      name: engine.name,
      turn: (prompt, o) =>
        engine.turn(prompt, o).catch((error: unknown) => {
          throw new Error(`${engine.name}: ${(error as Error).message}; llama-server's last words: ${server.recentLog.slice(-1500)}`, {
            cause: error,
          });
        }),
    });
    return {
      engines: {
        embedded: viaPort("embedded", embedded, (slot) => `engines-${slot}`),
        openai: explained(viaPort("openai", openai, (slot) => keys[slot]!)),
        peerText: explained(peer(false)),
        peerTokens: explained(peer(true)),
      },
      counter: embedded,
      serverCommand: server.commandLine
        .replace(/ -m \S+/, " -m <model>")
        .replace(/( -l \d+-inf)+/, (run) => ` -l <id>-inf for ${run.trim().split(" -l ").length} byte tokens`),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Ours, through the ChatModel port the worker uses; a conversation key per slot. */
function viaPort(name: EngineName, model: ChatModel, keyOf: (slot: number) => string): EngineUnderTest {
  return {
    name,
    async turn(prompt, o) {
      let ttftMs: number | null = null;
      const started = performance.now();
      const g = await model.generate(prompt, {
        maxTokens: o.maxTokens,
        conversationKey: keyOf(o.slot),
        fresh: o.fresh,
        onTextChunk: () => {
          ttftMs ??= performance.now() - started;
        },
      });
      return {
        text: g.text,
        promptTokens: g.promptTokens,
        evaluatedTokens: g.evaluatedTokens,
        generatedTokens: g.generatedTokens,
        ttftMs,
        stoppedEarly: g.stopReason !== "maxTokens",
      };
    },
  };
}

/** Conversation keys that OpenAiChatModel sends to slots 0..n-1 (it hashes a key to its slot), so ours and the peer use the same slots. */
function keysForSlots(slots: number): string[] {
  const keys: string[] = [];
  for (let slot = 0; slot < slots; slot++) {
    for (let n = 0; ; n++) {
      const key = `engines-${slot}-${n}`;
      if (slotOf(key, slots) === slot) {
        keys.push(key);
        break;
      }
    }
  }
  return keys;
}
