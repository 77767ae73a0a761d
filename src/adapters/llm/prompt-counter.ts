import type { ChatPrompt, ChatTurn } from "../../domain/chat-prompt.js";
import type { PromptFormat } from "./prompt-format.js";

/** How an engine's prompts are rendered and counted: the same model's vocabulary read here, or the engine's own /tokenize. */
export interface PromptCounter {
  /** Where the counts come from, for the worker's start-up line. */
  readonly description: string;
  /** The model's control text, made inert in customers' messages (empty when only the server knows them: the common markers still apply). */
  readonly controlMarkers: readonly string[];
  countPrompt(prompt: ChatPrompt): Promise<number>;
  countTurn(turn: ChatTurn): Promise<number>;
  render(prompt: ChatPrompt): Promise<string>;
  /** Drops the prompt text it keeps to count faster (persona and message text): a contact was erased. */
  forgetRemembered(): void;
  close(): Promise<void>;
}

/** Counts with the model's vocabulary and template loaded in this process (PromptFormat.loadVocabulary). */
export function localPromptCounter(format: PromptFormat, close: () => Promise<void>): PromptCounter {
  return {
    description: `${format.template.name} template counted locally`,
    controlMarkers: format.template.controlMarkers,
    countPrompt: async (prompt) => format.countPrompt(prompt),
    countTurn: async (turn) => format.countTurn(turn),
    render: async (prompt) => format.render(prompt),
    forgetRemembered: () => format.forgetRemembered(),
    close,
  };
}
