import { setTimeout as sleep } from "node:timers/promises";
import { LRUCache } from "lru-cache";
import type { ChatPrompt, ChatTurn } from "../../domain/chat-prompt.js";
import { FatalError } from "../../domain/errors.js";
import { EngineUnavailableError, reason } from "./engine-unavailable-error.js";
import { chatMessagesOf } from "./chat-messages.js";
import type { PromptCounter } from "./prompt-counter.js";

export interface ServerTokenCounterOptions {
  /** The engine's base URL as LLM_BASE_URL gives it; its tokenizer endpoints are at the root, beside /v1. */
  readonly baseUrl: string;
  readonly apiKey?: string | undefined;
  readonly model: string;
  readonly timeoutMs: number;
}

const CONNECT_ATTEMPTS = 3;

type Dialect = "llama-server" | "vllm";
type Message = { role: string; content: string };

/**
 * Counts prompts with the engine's own tokenizer and chat template, for an engine whose weights
 * are not a GGUF the worker could read (vLLM serving a Hugging Face model): llama-server renders
 * with POST /apply-template and counts with POST /tokenize; vLLM counts chat messages with POST
 * /tokenize and renders with /detokenize. A turn's text is counted once (cached: a conversation's
 * earlier turns come back every turn); its template markup is measured once at start-up.
 */
export class ServerTokenCounter implements PromptCounter {
  private readonly turnTexts = new LRUCache<string, number>({ max: 20_000 });
  private turnOverhead = 0;

  private constructor(
    private readonly options: ServerTokenCounterOptions,
    private readonly dialect: Dialect,
  ) {}

  static async connect(options: ServerTokenCounterOptions): Promise<ServerTokenCounter> {
    const probe = [{ role: "user", content: "Hi" }];
    let dialect: Dialect | undefined;
    const counter = (d: Dialect) => new ServerTokenCounter(options, d);
    for (const candidate of ["llama-server", "vllm"] as const) {
      try {
        await counter(candidate).countMessages(probe);
        dialect = candidate;
        break;
      } catch (error) {
        if (error instanceof EngineUnavailableError && !/HTTP 4\d\d/.test(error.message)) throw error;
      }
    }
    if (!dialect) {
      throw new FatalError(
        "LLM_TOKENIZE_UNAVAILABLE",
        `the inference engine at ${options.baseUrl} has no tokenizer endpoint the worker knows (llama-server's /apply-template and /tokenize, vLLM's /tokenize): set MODEL_PATH to a GGUF of the same model, and the worker counts with its vocabulary`,
      );
    }
    const ready = counter(dialect);
    await ready.measureTurnOverhead();
    return ready;
  }

  get description(): string {
    return `counted by the engine's /tokenize (${this.dialect})`;
  }

  get controlMarkers(): readonly string[] {
    return [];
  }

  countPrompt(prompt: ChatPrompt): Promise<number> {
    return this.countMessages(chatMessagesOf(prompt));
  }

  async countTurn(turn: ChatTurn): Promise<number> {
    return (await this.countText(turn.text)) + this.turnOverhead;
  }

  async render(prompt: ChatPrompt): Promise<string> {
    if (this.dialect === "llama-server") return (await this.post<{ prompt: string }>("/apply-template", { messages: chatMessagesOf(prompt) })).prompt;
    const { tokens } = await this.post<{ tokens: number[] }>("/tokenize", {
      model: this.options.model,
      messages: chatMessagesOf(prompt),
      add_generation_prompt: true,
    });
    return (await this.post<{ prompt: string }>("/detokenize", { model: this.options.model, tokens })).prompt;
  }

  /** Drops the turn texts it keeps with their counts (message text): a contact was erased. */
  forgetRemembered(): void {
    this.turnTexts.clear();
  }

  async close(): Promise<void> {}

  private async countMessages(messages: readonly Message[]): Promise<number> {
    if (this.dialect === "llama-server") {
      const { prompt } = await this.post<{ prompt: string }>("/apply-template", { messages });
      return (await this.post<{ tokens: unknown[] }>("/tokenize", { content: prompt, add_special: true, parse_special: true })).tokens.length;
    }
    return (await this.post<{ count: number }>("/tokenize", { model: this.options.model, messages, add_generation_prompt: true })).count;
  }

  private async countText(text: string): Promise<number> {
    const known = this.turnTexts.get(text);
    if (known !== undefined) return known;
    const count =
      this.dialect === "llama-server"
        ? (await this.post<{ tokens: unknown[] }>("/tokenize", { content: text, add_special: false, parse_special: false })).tokens.length
        : (await this.post<{ count: number }>("/tokenize", { model: this.options.model, prompt: text, add_special_tokens: false })).count;
    this.turnTexts.set(text, count);
    return count;
  }

  /** What the template adds per turn, from a prompt with two more turns than another; rounded up, plus one for the seams. */
  private async measureTurnOverhead(): Promise<void> {
    const one = await this.countPrompt({ system: "You are a shop's assistant.", turns: [{ role: "user", text: "Hello there" }] });
    const three = await this.countPrompt({
      system: "You are a shop's assistant.",
      turns: [
        { role: "user", text: "Hello there" },
        { role: "assistant", text: "Good morning" },
        { role: "user", text: "Hello there" },
      ],
    });
    const texts = (await this.countText("Hello there")) + (await this.countText("Good morning"));
    this.turnOverhead = Math.max(0, Math.ceil((three - one - texts) / 2)) + 1;
  }

  /** Counting is idempotent: a request whose connection failed is sent again (llama-server closes kept-alive connections under a client). */
  private async post<T>(path: string, body: unknown): Promise<T> {
    const url = `${this.options.baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "")}${path}`;
    let res: Response | undefined;
    for (let attempt = 1; !res; attempt++) {
      try {
        res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}) },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
      } catch (error) {
        if (attempt < CONNECT_ATTEMPTS && !(error instanceof DOMException && error.name === "TimeoutError")) {
          await sleep(100 * attempt);
          continue;
        }
        throw new EngineUnavailableError(`the inference engine's tokenizer does not answer (${reason(error)})`, { cause: error });
      }
    }
    if (!res.ok) throw new EngineUnavailableError(`the inference engine's ${path} answered HTTP ${res.status}`);
    return (await res.json()) as T;
  }
}
