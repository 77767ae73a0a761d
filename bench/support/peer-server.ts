import { BUSINESS_SETTING_DEFAULTS } from "../../src/domain/business-settings.js";
import { performance } from "node:perf_hooks";
import type { Config } from "../../src/config/index.js";
import type { ChatPrompt } from "../../src/domain/chat-prompt.js";
import { PromptFormat } from "../../src/adapters/llm/prompt-format.js";
import { LlamaServer } from "../../test-kit/llama-server.js";
import type { ModelChoice } from "./bench-model.js";
import { peerComplete } from "./llama-server-peer.js";

/** Token ids 3-258 are the Llama-2 vocabulary's byte tokens. */
const BYTE_TOKENS = Array.from({ length: 256 }, (_, i) => i + 3);

export interface PeerTurn {
  readonly text: string;
  readonly promptTokens: number;
  /** `timings.prompt_n`: prompt tokens it evaluated; the rest came from its slot or its host-RAM prompt cache. */
  readonly evaluatedTokens: number;
  readonly generatedTokens: number;
  /** Sending the request to the first streamed text; null when none came. */
  readonly ttftMs: number | null;
  /** Sending the request to the end of the answer. */
  readonly totalMs: number;
  readonly stoppedEarly: boolean;
}

/** llama.cpp's llama-server on a section's GGUF, configured as its users run it, driven by /completion with token ids. */
export interface Peer {
  /** Its command line (model path and banned byte tokens abbreviated) and what its defaults mean here. */
  readonly settings: string;
  /** Its process, whose CPU time tells when it has gone quiet (settle.ts). */
  readonly pid: number | undefined;
  /** The prompt's tokens as both engines read them. */
  countPromptTokens(prompt: ChatPrompt): number;
  turn(prompt: ChatPrompt, options: { readonly slot: number; readonly maxTokens: number; readonly cachePrompt?: boolean }): Promise<PeerTurn>;
  close(): Promise<void>;
}

/**
 * Starts llama-server (scripts/build-llama-server.sh) with the section's threads, per-slot context,
 * KV type, batch size and flash-attention setting, and everything else at llama-server's defaults:
 * the host-RAM prompt cache on (`--cache-ram` 8192 MiB), slot prompt similarity 0.1, no
 * `--cache-reuse`, context shift off. Prompts go as the token ids node-llama-cpp would evaluate for
 * ours (PromptFormat.tokenize), so both engines read identical tokens; each slot answers the
 * conversation the caller pins to it (`id_slot`), with `cache_prompt`, streamed.
 */
export async function startPeer(
  config: Config,
  choice: ModelChoice,
  options: { readonly slots: number; readonly contextSize: number; readonly threads: number; readonly randomWeights: boolean },
): Promise<Peer> {
  const server = await LlamaServer.start({
    modelPath: choice.path,
    parallel: options.slots,
    contextPerSlot: options.contextSize,
    threads: options.threads,
    batchSize: 512,
    flashAttention: "auto",
    kvCacheType: config.model.kvCacheType,
    // A random-weight model ends a reply in a broken UTF-8 sequence now and then, and llama-server then
    // fails the request at its end: its byte tokens are banned for every request (engines-under-test.ts).
    extraArgs: options.randomWeights ? BYTE_TOKENS.flatMap((id) => ["-l", `${id}-inf`]) : [],
  });
  let vocabulary: Awaited<ReturnType<typeof PromptFormat.loadVocabulary>>;
  try {
    vocabulary = await PromptFormat.loadVocabulary(choice.path);
  } catch (error) {
    await server.stop();
    throw error;
  }
  const command = server.commandLine
    .replace(/ -m \S+/, " -m <model>")
    .replace(/ --port \d+/, " --port <free>")
    .replace(/( -l \d+-inf)+/, (run) => ` -l <id>-inf for ${run.trim().split(" -l ").length} byte tokens`);
  return {
    settings: `${command} (defaults otherwise: --cache-ram 8192 MiB host-RAM prompt cache, --slot-prompt-similarity 0.1, --cache-reuse 0, unified KV off with explicit --parallel; prompts as token ids)`,
    pid: server.pid,
    countPromptTokens: (prompt) => vocabulary.format.countPrompt(prompt),
    async turn(prompt, o) {
      const started = performance.now();
      const r = await peerComplete(
        server.baseUrl,
        {
          prompt: vocabulary.format.tokenize(prompt),
          slot: o.slot,
          maxTokens: o.maxTokens,
          cachePrompt: o.cachePrompt ?? true,
          temperature: BUSINESS_SETTING_DEFAULTS.temperature,
          seed: config.model.seed,
        },
        started,
      ).catch((error: unknown) => {
        throw new Error(`llama-server: ${(error as Error).message}; its last words: ${server.recentLog.slice(-1500)}`, { cause: error });
      });
      return {
        text: r.text,
        promptTokens: r.promptTokens,
        evaluatedTokens: r.evaluatedTokens,
        generatedTokens: r.generatedTokens,
        ttftMs: r.ttftMs,
        totalMs: performance.now() - started,
        stoppedEarly: r.stopType !== "limit",
      };
    },
    async close() {
      await vocabulary.close().catch(() => undefined);
      await server.stop();
    },
  };
}
