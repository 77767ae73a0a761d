import type { ChatPrompt, ChatTurn } from "../../src/domain/chat-prompt.js";
import type { ChatModel, GenerateOptions, Generation } from "../../src/ports/chat-model.js";

/** The real model, plus a record of every prompt it was asked to answer (a spy, not a fake). */
export class RecordingChatModel implements ChatModel {
  readonly prompts: ChatPrompt[] = [];
  readonly generations: Generation[] = [];

  constructor(private readonly inner: ChatModel) {}

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
    this.prompts.push(prompt);
    const generation = await this.inner.generate(prompt, options);
    this.generations.push(generation);
    return generation;
  }
  close() {
    return this.inner.close();
  }
}
