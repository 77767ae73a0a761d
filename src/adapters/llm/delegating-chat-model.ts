import type { ChatPrompt, ChatTurn } from "../../domain/chat-prompt.js";
import type { ChatModel, GenerateOptions, Generation } from "../../ports/chat-model.js";

/** A ChatModel passing everything to the real one; subclasses observe generate() (spies, not fakes). */
export class DelegatingChatModel implements ChatModel {
  constructor(protected readonly inner: ChatModel) {}

  get contextSize() {
    return this.inner.contextSize;
  }
  get description() {
    return this.inner.description;
  }
  get controlMarkers() {
    return this.inner.controlMarkers;
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
  generate(prompt: ChatPrompt, options: GenerateOptions): Promise<Generation> {
    return this.inner.generate(prompt, options);
  }
  forget(conversationKey: string) {
    return this.inner.forget(conversationKey);
  }
  close() {
    return this.inner.close();
  }
}
