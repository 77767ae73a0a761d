import { BUSINESS_SETTING_DEFAULTS } from "../../domain/business-settings.js";
import { createHash } from "node:crypto";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { ChatPrompt, ChatTurn } from "../../domain/chat-prompt.js";
import { FatalError } from "../../domain/errors.js";
import { parseRetryAfter } from "../../domain/retry-after.js";
import type { ChatModel, GenerateOptions, Generation } from "../../ports/chat-model.js";
import { chatMessagesOf } from "./chat-messages.js";
import { EngineUnavailableError, reason } from "./engine-unavailable-error.js";
import type { PromptCounter } from "./prompt-counter.js";

export { EngineUnavailableError };

export interface OpenAiChatModelOptions {
  /** The server's base URL, e.g. http://llama:8080 (llama-server) or http://vllm:8000 (vLLM); /v1 is added. */
  readonly baseUrl: string;
  readonly apiKey?: string | undefined;
  /** The model name the server knows (GET /v1/models). */
  readonly model: string;
  readonly contextSize: number;
  /** For a generation that names none (each turn passes its business's); default the businesses' default. */
  readonly temperature?: number | undefined;
  readonly seed?: number | undefined;
  /** Token counts for trimming: the same model's vocabulary loaded locally, or the engine's own /tokenize. */
  readonly counter: PromptCounter;
  /** llama-server's slots (`--parallel`): a conversation always goes to the same one, which holds its prompt. 0: the server picks. */
  readonly slots: number;
  /** Until the response starts, and between two streamed pieces. */
  readonly timeoutMs: number;
  /** Attempts on 429/503 (after the server's Retry-After) and on a refused connection, before the turn fails and is retried later. */
  readonly maxAttempts: number;
}

const RETRY_AFTER_MAX_MS = 30_000;

/**
 * A chat model served by an inference engine over the OpenAI-compatible chat/completions API
 * (llama.cpp's llama-server, vLLM, SGLang, Ollama, TGI): streamed, abortable, retried on 429/503
 * after the server's Retry-After. Prompts are counted before asking, for trimming: locally with
 * the same model's vocabulary when the worker has its GGUF, else by the engine's /tokenize. llama-server also gets `cache_prompt` and, when
 * `slots` is set, the conversation's slot (`id_slot`), so a conversation's prompt stays evaluated
 * there; vLLM and SGLang reuse prefixes by themselves (automatic prefix caching).
 */
export class OpenAiChatModel implements ChatModel {
  private readonly closing = new AbortController();

  private constructor(private readonly options: OpenAiChatModelOptions) {}

  /** Checks the server answers and knows the model; a clear error when not. */
  static async connect(options: OpenAiChatModelOptions): Promise<OpenAiChatModel> {
    const url = `${base(options.baseUrl)}/models`;
    let res: Response;
    try {
      res = await fetch(url, { headers: headers(options.apiKey), signal: AbortSignal.timeout(options.timeoutMs) });
    } catch (error) {
      throw new FatalError(
        "LLM_ENGINE_UNREACHABLE",
        `the inference engine at ${options.baseUrl} does not answer (${reason(error)}); start it or fix LLM_BASE_URL`,
        { cause: error },
      );
    }
    if (res.status === 401 || res.status === 403)
      throw new FatalError(
        "LLM_ENGINE_UNAUTHORIZED",
        `the inference engine at ${options.baseUrl} refused the key (HTTP ${res.status}); check LLM_API_KEY`,
      );
    if (!res.ok)
      throw new FatalError("LLM_ENGINE_UNREACHABLE", `the inference engine at ${options.baseUrl} answered HTTP ${res.status} to GET /v1/models`);
    const listed = ((await res.json()) as { data?: Array<{ id?: string }> }).data?.map((m) => m.id ?? "") ?? [];
    if (!listed.includes(options.model)) {
      throw new FatalError(
        "LLM_MODEL_UNKNOWN",
        `the inference engine at ${options.baseUrl} serves no model named "${options.model}"; it serves: ${listed.join(", ") || "nothing"} (set LLM_MODEL to one of them)`,
      );
    }
    return new OpenAiChatModel(options);
  }

  get contextSize(): number {
    return this.options.contextSize;
  }

  get description(): string {
    return `${this.options.model} at ${this.options.baseUrl} (OpenAI-compatible engine, ${this.options.counter.description}, ${this.contextSize} tokens)`;
  }

  get controlMarkers(): readonly string[] {
    return this.options.counter.controlMarkers;
  }

  countPromptTokens(prompt: ChatPrompt): Promise<number> {
    return this.options.counter.countPrompt(prompt);
  }

  countTurnTokens(turn: ChatTurn): Promise<number> {
    return this.options.counter.countTurn(turn);
  }

  renderPrompt(prompt: ChatPrompt): Promise<string> {
    return this.options.counter.render(prompt);
  }

  async generate(prompt: ChatPrompt, options: GenerateOptions): Promise<Generation> {
    // A signal of this generation's own: listeners added to it go with it.
    const signal = AbortSignal.any([this.closing.signal, ...(options.signal ? [options.signal] : [])]);
    const slot = this.options.slots > 0 && options.conversationKey !== undefined ? slotOf(options.conversationKey, this.options.slots) : undefined;
    const body = {
      model: this.options.model,
      messages: chatMessagesOf(prompt),
      max_tokens: options.maxTokens,
      temperature: options.temperature ?? this.options.temperature ?? BUSINESS_SETTING_DEFAULTS.temperature,
      ...(this.options.seed !== undefined ? { seed: this.options.seed } : {}),
      stream: true,
      stream_options: { include_usage: true },
      // llama-server: keep the prompt evaluated in its slot for the conversation's next turn.
      cache_prompt: !options.fresh,
      ...(slot !== undefined ? { id_slot: slot } : {}),
    };
    const res = await this.post(body, signal);
    if (!res) return { text: "", promptTokens: await this.countPromptTokens(prompt), evaluatedTokens: 0, generatedTokens: 0, stopReason: "abort" };
    return this.readStream(res, prompt, options, signal);
  }

  /** The streamed response once the server accepts the request; null when aborted first. */
  private async post(body: unknown, signal: AbortSignal): Promise<Response | null> {
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) return null;
      let res: Response;
      // The timeout covers the wait for the response to start; the stream then has its own idle limit.
      const request = new AbortController();
      const onAbort = () => request.abort(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      const headersTimer = setTimeout(() => request.abort(new Error(`no response within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
      try {
        res = await fetch(`${base(this.options.baseUrl)}/chat/completions`, {
          method: "POST",
          headers: { ...headers(this.options.apiKey), "content-type": "application/json" },
          body: JSON.stringify(body),
          signal: request.signal,
        });
      } catch (error) {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) return null;
        if (attempt >= this.options.maxAttempts)
          throw new EngineUnavailableError(`the inference engine does not answer (${reason(error)})`, { cause: error });
        await pause(Math.min(250 * 2 ** attempt, 5000), signal);
        continue;
      } finally {
        clearTimeout(headersTimer);
      }
      if (res.ok && res.body) return res;
      signal.removeEventListener("abort", onAbort);
      const detail = (await res.text().catch(() => "")).slice(0, 300);
      if ((res.status === 429 || res.status === 503) && attempt < this.options.maxAttempts) {
        await pause(parseRetryAfter(res.headers.get("retry-after"), RETRY_AFTER_MAX_MS) ?? Math.min(500 * 2 ** attempt, 10_000), signal);
        continue;
      }
      if (res.status === 429 || res.status === 503 || res.status >= 500)
        throw new EngineUnavailableError(`the inference engine answered HTTP ${res.status}: ${detail}`);
      if (res.status === 404)
        throw new FatalError("LLM_MODEL_UNKNOWN", `the inference engine does not know model "${this.options.model}" (HTTP 404: ${detail})`);
      throw new FatalError("LLM_ENGINE_REFUSED", `the inference engine refused the request (HTTP ${res.status}: ${detail})`);
    }
  }

  private async readStream(res: Response, prompt: ChatPrompt, options: GenerateOptions, signal: AbortSignal): Promise<Generation> {
    let text = "";
    let finish: string | null = null;
    let usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
    let evaluated: number | undefined;
    let pieces = 0;
    const parser = createParser({
      onEvent: (event: EventSourceMessage) => {
        if (event.data === "[DONE]") return;
        const chunk = JSON.parse(event.data) as {
          choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>;
          usage?: { prompt_tokens?: number; completion_tokens?: number };
          timings?: { prompt_n?: number };
        };
        const choice = chunk.choices?.[0];
        const piece = choice?.delta?.content;
        if (piece) {
          text += piece;
          pieces++;
          options.onTextChunk?.(piece);
        }
        if (choice?.finish_reason) finish = choice.finish_reason;
        if (chunk.usage) usage = chunk.usage;
        // llama-server: the prompt tokens it evaluated (the rest came from its slot's cache).
        if (chunk.timings?.prompt_n !== undefined) evaluated = chunk.timings.prompt_n;
      },
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let aborted = false;
    try {
      for (;;) {
        // An abort cancels the request, so the pending read rejects: that is the abort, not an error.
        const read = reader.read().catch((error: unknown) => (signal.aborted ? ("aborted" as const) : Promise.reject(error)));
        const wait = idle(this.options.timeoutMs, signal);
        const next = await Promise.race([read, wait.outcome]).finally(wait.cancel);
        if (next === "aborted") {
          aborted = true;
          break;
        }
        if (next === "timeout") throw new EngineUnavailableError(`the inference engine sent nothing for ${this.options.timeoutMs} ms`);
        if (next.done) break;
        parser.feed(decoder.decode(next.value, { stream: true }));
      }
    } finally {
      // Cancelling the body closes the connection: llama-server stops generating for it.
      await reader.cancel().catch(() => undefined);
    }
    const promptTokens = usage?.prompt_tokens ?? (await this.countPromptTokens(prompt));
    return {
      text,
      promptTokens,
      evaluatedTokens: evaluated ?? promptTokens,
      generatedTokens: usage?.completion_tokens ?? pieces,
      stopReason: aborted ? "abort" : finish === "length" ? "maxTokens" : "end",
    };
  }

  /**
   * The contact was erased: the counter drops the prompt text it remembers, and on llama-server the
   * conversation's slot cache goes. Other engines keep no per-conversation state.
   */
  async forget(conversationKey: string): Promise<void> {
    this.options.counter.forgetRemembered();
    if (this.options.slots <= 0) return;
    const slot = slotOf(conversationKey, this.options.slots);
    await fetch(`${this.options.baseUrl.replace(/\/+$/, "")}/slots/${slot}?action=erase`, {
      method: "POST",
      headers: headers(this.options.apiKey),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    }).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.options.counter.close();
  }
}

function base(url: string): string {
  const trimmed = url.replace(/\/+$/, "");
  return trimmed.endsWith("/v1") ? trimmed : `${trimmed}/v1`;
}

function headers(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

/** The llama-server slot a conversation goes to, out of `slots`. */
export function slotOf(conversationKey: string, slots: number): number {
  return createHash("sha256").update(conversationKey).digest().readUInt32BE(0) % slots;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

/** Resolves after `ms` or on abort; `cancel` once the read won, so no timer or listener is left behind per streamed piece. */
function idle(ms: number, signal: AbortSignal): { outcome: Promise<"timeout" | "aborted">; cancel: () => void } {
  let cancel = () => {};
  const outcome = new Promise<"timeout" | "aborted">((resolve) => {
    if (signal.aborted) return resolve("aborted");
    const timer = setTimeout(() => finish("timeout"), ms);
    signal.addEventListener("abort", onAbort, { once: true });
    function onAbort() {
      finish("aborted");
    }
    function finish(result: "timeout" | "aborted") {
      cancel();
      resolve(result);
    }
    cancel = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    };
  });
  return { outcome, cancel };
}
