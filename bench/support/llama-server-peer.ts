import { performance } from "node:perf_hooks";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { REPEAT_PENALTY, REPEAT_PENALTY_TOKENS } from "../../src/adapters/llm/generate-on-sequence.js";

export interface PeerRequest {
  /** The rendered prompt as text (llama-server tokenizes it), or its token ids. */
  readonly prompt: string | readonly number[];
  readonly slot: number;
  readonly maxTokens: number;
  /** false: the slot's cache is ignored and the whole prompt evaluated (turn 1 of a conversation). */
  readonly cachePrompt: boolean;
  readonly temperature: number;
  readonly seed?: number | undefined;
}

export interface PeerResult {
  readonly text: string;
  /** The prompt's tokens as the server counted them. */
  readonly promptTokens: number;
  /** `timings.prompt_n`: prompt tokens it evaluated (the rest came from the slot's cache). */
  readonly evaluatedTokens: number;
  readonly generatedTokens: number;
  /** From `started` (by default: sending the request) to the first streamed piece of text; null when none came. */
  readonly ttftMs: number | null;
  readonly stopType: string;
}

/**
 * llama.cpp's llama-server driven directly, as the peer baseline: its native /completion with the
 * prompt already rendered (same template, same history as ours), `cache_prompt` and a fixed slot
 * per conversation, streamed. Nothing of ours sits between the bench and the engine.
 */
export async function peerComplete(baseUrl: string, request: PeerRequest, started = performance.now()): Promise<PeerResult> {
  const res = await post(`${baseUrl}/completion`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      prompt: request.prompt,
      n_predict: request.maxTokens,
      cache_prompt: request.cachePrompt,
      id_slot: request.slot,
      temperature: request.temperature,
      // The sampling ours does (node-llama-cpp's defaults and our repeat penalty), so both do the
      // same work per token: llama-server's own defaults are no repeat penalty and min-p 0.05.
      repeat_penalty: REPEAT_PENALTY,
      repeat_last_n: REPEAT_PENALTY_TOKENS,
      top_k: 40,
      top_p: 0.95,
      min_p: 0,
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
      stream: true,
    }),
    signal: AbortSignal.timeout(300_000),
  });
  if (!res.ok || !res.body) throw new Error(`llama-server /completion answered HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
  let text = "";
  let ttftMs: number | null = null;
  let final:
    | { tokens_evaluated?: number; tokens_predicted?: number; stop_type?: string; timings?: { prompt_n?: number; predicted_n?: number } }
    | undefined;
  let last = "";
  const parser = createParser({
    onEvent: (event: EventSourceMessage) => {
      last = event.data;
      const chunk = JSON.parse(event.data) as { content?: string; stop?: boolean } & NonNullable<typeof final>;
      if (chunk.content) {
        ttftMs ??= performance.now() - started;
        text += chunk.content;
      }
      if (chunk.stop) final = chunk;
    },
  });
  const decoder = new TextDecoder();
  const reader = res.body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) parser.feed(decoder.decode(next.value, { stream: true }));
  if (!final) throw new Error(`llama-server /completion: the stream ended without its final message (last: ${last.slice(0, 300)})`);
  const promptTokens = final.tokens_evaluated ?? Number.NaN;
  return {
    text,
    promptTokens,
    evaluatedTokens: final.timings?.prompt_n ?? promptTokens,
    generatedTokens: final.timings?.predicted_n ?? final.tokens_predicted ?? 0,
    ttftMs,
    stopType: final.stop_type ?? "unknown",
  };
}

/**
 * fetch, once more when the connection closed before any answer: llama-server closes a kept-alive
 * connection after 5 idle seconds, and a request sent on it just then fails as "other side closed".
 */
async function post(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}
