import type { ChatPrompt } from "../src/domain/chat-prompt.js";
import type { GenerateOptions, Generation } from "../src/ports/chat-model.js";
import { DelegatingChatModel } from "../src/adapters/llm/delegating-chat-model.js";

/** The real model, plus a record of every prompt it was asked to answer (a spy, not a fake). */
export class RecordingChatModel extends DelegatingChatModel {
  readonly prompts: ChatPrompt[] = [];
  readonly generations: Generation[] = [];
  /** What each generation was asked for (reply length, temperature...), in order. */
  readonly options: GenerateOptions[] = [];

  override async generate(prompt: ChatPrompt, options: GenerateOptions): Promise<Generation> {
    this.prompts.push(prompt);
    this.options.push(options);
    const generation = await super.generate(prompt, options);
    this.generations.push(generation);
    return generation;
  }
}
