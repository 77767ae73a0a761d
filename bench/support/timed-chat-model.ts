import { performance } from "node:perf_hooks";
import type { ChatPrompt } from "../../src/domain/chat-prompt.js";
import type { ChatModel, GenerateOptions, Generation } from "../../src/ports/chat-model.js";
import { DelegatingChatModel } from "../../src/adapters/llm/delegating-chat-model.js";

export interface GenerateTiming {
  readonly conversationKey: string | undefined;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** The real model, with performance.now() taken when generate() is called and when it returns (a wrapper, not an edit). */
export class TimedChatModel extends DelegatingChatModel {
  constructor(
    inner: ChatModel,
    private readonly onStart: (key: string | undefined, at: number) => void,
    private readonly onEnd: (timing: GenerateTiming) => void,
  ) {
    super(inner);
  }

  override async generate(prompt: ChatPrompt, options: GenerateOptions): Promise<Generation> {
    const startedAt = performance.now();
    this.onStart(options.conversationKey, startedAt);
    const generation = await this.inner.generate(prompt, options);
    this.onEnd({ conversationKey: options.conversationKey, startedAt, endedAt: performance.now() });
    return generation;
  }
}
