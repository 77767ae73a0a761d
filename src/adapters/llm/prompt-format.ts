import { getLlama, LlamaLogLevel, type LlamaModel, type Token } from "node-llama-cpp";
import { FatalError } from "../../domain/errors.js";
import { localBinding } from "./native-binding.js";
import { checkModelFile } from "./check-model-file.js";
import type { ChatPrompt, ChatTurn } from "../../domain/chat-prompt.js";
import { chatTemplateOf, type ChatTemplate } from "./chat-template.js";
import { memoTokenizer, type MemoTokenizer } from "./memo-tokenizer.js";
import { toChatHistory } from "./to-chat-history.js";

/** A model's chat template and tokenizer: how a prompt is written and how many tokens it takes. */
export class PromptFormat {
  readonly template: ChatTemplate;
  /** The model's tokenizer, remembering the segments (persona, earlier turns) every prompt repeats. */
  readonly tokenizer: MemoTokenizer;

  constructor(private readonly model: LlamaModel) {
    this.template = chatTemplateOf(model);
    this.tokenizer = memoTokenizer(model.tokenizer);
  }

  /** Drops the prompt segments the tokenizer remembers (they hold persona and message text): a contact was erased. */
  forgetRemembered(): void {
    this.tokenizer.clear();
  }

  /** The template's rendering of the prompt, as node-llama-cpp hands it to the engine. */
  contextState(prompt: ChatPrompt) {
    return this.template.wrapper.generateContextState({ chatHistory: toChatHistory(prompt) });
  }

  render(prompt: ChatPrompt): string {
    return this.contextState(prompt).contextText.toString();
  }

  countPrompt(prompt: ChatPrompt): number {
    return this.tokenize(prompt).length;
  }

  /** The token ids node-llama-cpp would evaluate for the prompt (the bench sends them to llama-server as they are). */
  tokenize(prompt: ChatPrompt): number[] {
    return this.contextState(prompt).contextText.tokenize(this.tokenizer).map(Number);
  }

  /**
   * The tokens every prompt with this system text starts with: the template's start and the
   * persona, up to where the first message's tokens begin (found as the common start of two
   * prompts that differ only in that message, so it holds for any template).
   */
  systemPrefix(system: string): Token[] {
    const tokens = (text: string) => this.contextState({ system, turns: [{ role: "user", text }] }).contextText.tokenize(this.tokenizer);
    const a = tokens("a");
    const b = tokens("b");
    let n = 0;
    while (n < a.length && n < b.length && a[n] === b[n]) n++;
    return a.slice(0, n);
  }

  countTurn(turn: ChatTurn): number {
    return this.model.tokenize(turn.text).length + this.template.turnTemplateTokens;
  }

  /** Only the vocabulary and template of a GGUF (no weights: fast, a few MB): counting for a model that runs elsewhere. */
  static async loadVocabulary(modelPath: string): Promise<{ format: PromptFormat; close(): Promise<void> }> {
    await checkModelFile(modelPath);
    await localBinding();
    const llama = await getLlama({ gpu: false, build: "never", maxThreads: 1, logLevel: LlamaLogLevel.error });
    try {
      const model = await llama.loadModel({ modelPath, vocabOnly: true });
      return { format: new PromptFormat(model), close: () => llama.dispose() };
    } catch (error) {
      await llama.dispose();
      throw new FatalError("MODEL_FILE_CORRUPT", `model file could not be loaded: ${modelPath} (${(error as Error).message})`, { cause: error });
    }
  }
}
