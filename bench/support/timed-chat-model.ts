import { performance } from "node:perf_hooks";
import type { ChatPrompt, ChatTurn } from "../../src/domain/chat-prompt.js";
import type { ChatModel, GenerateOptions, Generation } from "../../src/ports/chat-model.js";

export interface GenerateTiming {
  readonly conversationKey: string | undefined;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** The real model, with performance.now() taken when generate() is called and when it returns (a wrapper, not an edit). */
export class TimedChatModel implements ChatModel {
  constructor(
    private readonly inner: ChatModel,
    private readonly onStart: (key: string | undefined, at: number) => void,
    private readonly onEnd: (timing: GenerateTiming) => void,
  ) {}

  get contextSize() {
    return this.inner.contextSize;
  }
  get description() {
    return this.inner.description;
  }
  countPromptTokens(prompt: ChatPrompt) {
    return this.inner.countPromptTokens(prompt);
  }
  countTurnTokens(turn: ChatTurn) {
    return this.inner.countTurnTokens(turn);
  }
  renderPrompt(prompt: ChatPrompt) {
    return this.inner.renderPrompt(prompt);
  }
  async generate(prompt: ChatPrompt, options: GenerateOptions): Promise<Generation> {
    const startedAt = performance.now();
    this.onStart(options.conversationKey, startedAt);
    const generation = await this.inner.generate(prompt, options);
    this.onEnd({ conversationKey: options.conversationKey, startedAt, endedAt: performance.now() });
    return generation;
  }
  close() {
    return this.inner.close();
  }
}
