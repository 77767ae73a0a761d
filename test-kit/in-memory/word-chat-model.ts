import { setTimeout as sleep } from "node:timers/promises";
import type { ChatPrompt, ChatTurn } from "../../src/domain/chat-prompt.js";
import type { ChatModel, GenerateOptions, Generation } from "../../src/ports/chat-model.js";

/** What the model answers a prompt with (before maxTokens cuts it). */
export type WordReply = (prompt: ChatPrompt) => string;

const words = (text: string) => text.split(/\s+/).filter(Boolean);
// Every turn after the first adds at most these words of template markup around its text.
const TURN_MARKUP_WORDS = 2;

/**
 * A ChatModel without weights, held to test/contract/chat-model.contract.ts like LlamaChatModel:
 * a token is a whitespace-separated word of the prompt rendered in the Llama-2 chat layout, and
 * the reply is `reply(prompt)` cut to maxTokens words. Keeps every prompt it was asked to answer.
 */
export class WordChatModel implements ChatModel {
  readonly description = "word-chat-model (in memory, one token per word)";
  readonly controlMarkers = ["<s>", "</s>"] as const;
  readonly prompts: ChatPrompt[] = [];
  readonly options: GenerateOptions[] = [];

  constructor(
    private readonly reply: WordReply = () => "Happy to help with that.",
    readonly contextSize = 4096,
    /** Time each generated word takes, so a generation can be interrupted. */
    private readonly msPerToken = 0,
  ) {}

  async renderPrompt({ system, turns }: ChatPrompt): Promise<string> {
    let text = `<s>[INST] <<SYS>>\n${system}\n<</SYS>>\n\n`;
    turns.forEach((turn, i) => {
      if (turn.role === "user") text += `${i === 0 ? "" : "<s>[INST] "}${turn.text} [/INST]`;
      else text += ` ${turn.text} </s>`;
    });
    return text;
  }

  async countPromptTokens(prompt: ChatPrompt): Promise<number> {
    return words(await this.renderPrompt(prompt)).length;
  }

  async countTurnTokens(turn: ChatTurn): Promise<number> {
    return words(turn.text).length + TURN_MARKUP_WORDS;
  }

  async generate(prompt: ChatPrompt, options: GenerateOptions): Promise<Generation> {
    this.prompts.push(prompt);
    this.options.push(options);
    const promptTokens = await this.countPromptTokens(prompt);
    const planned = words(this.reply(prompt));
    const out: string[] = [];
    let stopReason: Generation["stopReason"] = "end";
    for (const word of planned) {
      if (options.signal?.aborted) {
        stopReason = "abort";
        break;
      }
      if (out.length >= options.maxTokens) {
        stopReason = "maxTokens";
        break;
      }
      if (this.msPerToken > 0) await sleep(this.msPerToken);
      out.push(word);
      options.onTextChunk?.(`${out.length > 1 ? " " : ""}${word}`);
    }
    if (options.signal?.aborted) stopReason = "abort";
    return { text: out.join(" "), promptTokens, evaluatedTokens: promptTokens, generatedTokens: out.length, stopReason };
  }

  async forget(): Promise<void> {}

  async close(): Promise<void> {}
}
