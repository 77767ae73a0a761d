import type { ChatPrompt } from "../src/domain/chat-prompt.js";
import type { ChatModel, GenerateOptions, Generation } from "../src/ports/chat-model.js";
import { DelegatingChatModel } from "../src/adapters/llm/delegating-chat-model.js";

/**
 * The real model, whose real reply gets a sentence appended when the customer's newest message
 * asks for it (`rules`: words in that message -> what to append, given the prompt). Makes a
 * guardrail's trigger certain (a leaked instruction, a blocklisted name, an invented price)
 * while generation, timing and token counts stay the real model's.
 */
export class AppendingChatModel extends DelegatingChatModel {
  constructor(
    inner: ChatModel,
    private readonly rules: ReadonlyArray<readonly [string, (prompt: ChatPrompt) => string]>,
  ) {
    super(inner);
  }

  override async generate(prompt: ChatPrompt, options: GenerateOptions): Promise<Generation> {
    const generation = await super.generate(prompt, options);
    const last = prompt.turns.at(-1)?.text ?? "";
    const rule = this.rules.find(([words]) => last.includes(words));
    return rule ? { ...generation, text: `${generation.text.trim()} ${rule[1](prompt)}` } : generation;
  }
}
