import type { ChatPrompt } from "../../domain/chat-prompt.js";
import type { GenerateOptions, Generation } from "../../ports/chat-model.js";
import { DelegatingChatModel } from "./delegating-chat-model.js";

/** The real model, plus every prompt it was asked to answer, by conversation (persona:check reads what the worker asked). */
export class ModelCallLog extends DelegatingChatModel {
  private readonly calls = new Map<string, ChatPrompt[]>();

  override generate(prompt: ChatPrompt, options: GenerateOptions): Promise<Generation> {
    const key = options.conversationKey ?? "";
    this.calls.set(key, [...(this.calls.get(key) ?? []), prompt]);
    return super.generate(prompt, options);
  }

  /** The prompts asked for this conversation so far, oldest first. */
  promptsFor(conversationKey: string): readonly ChatPrompt[] {
    return this.calls.get(conversationKey) ?? [];
  }
}
