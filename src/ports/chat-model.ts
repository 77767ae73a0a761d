import type { ChatPrompt, ChatTurn } from "../domain/chat-prompt.js";

export interface GenerateOptions {
  readonly maxTokens: number;
  /** Sampling temperature of this reply (the business's setting); unset: the model's default. */
  readonly temperature?: number;
  /** Conversation the prompt belongs to: lets the engine reuse what it already evaluated for it. */
  readonly conversationKey?: string;
  readonly signal?: AbortSignal;
  /** Evaluate the whole prompt, ignoring cached tokens: the naive, stateless way (benchmarks). */
  readonly fresh?: boolean;
  /** Called with each piece of text as it is generated (first call = time to first token). */
  readonly onTextChunk?: (text: string) => void;
}

export interface Generation {
  readonly text: string;
  readonly promptTokens: number;
  /** Prompt tokens actually evaluated (the rest came from the KV cache). */
  readonly evaluatedTokens: number;
  /** Cached tokens moved to new positions instead of evaluated again, after older turns were trimmed. */
  readonly shiftedTokens?: number;
  /** Where the cached start of the prompt came from when the sequence did not hold it: a saved conversation (RAM or disk tier) or the business's shared persona prefix. */
  readonly cacheSource?: "ram" | "disk" | "persona";
  readonly generatedTokens: number;
  readonly stopReason: "end" | "maxTokens" | "abort";
}

/** A chat model: counts tokens with its own tokenizer and template, renders and answers prompts. */
export interface ChatModel {
  readonly contextSize: number;
  readonly description: string;
  /** The text of the model's control tokens ("<|im_start|>", "</s>"...): customer text spelling one is made inert. */
  readonly controlMarkers: readonly string[];
  /** Exact tokens of the rendered prompt (async: an engine without a local vocabulary counts on its server). */
  countPromptTokens(prompt: ChatPrompt): Promise<number>;
  /** Tokens of one turn with its template markup, an upper bound used to choose where to trim. */
  countTurnTokens(turn: ChatTurn): Promise<number>;
  /** The exact text the model is given, rendered by the model's chat template. */
  renderPrompt(prompt: ChatPrompt): Promise<string>;
  generate(prompt: ChatPrompt, options: GenerateOptions): Promise<Generation>;
  /** Drops everything kept of a conversation (its KV cache in the sequences, in RAM and on disk): the contact was erased. */
  forget(conversationKey: string): Promise<void>;
  close(): Promise<void>;
}
