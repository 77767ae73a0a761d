import type { ChatPrompt } from "../domain/chat-prompt.js";
import { AppError } from "../domain/errors.js";
import type { ChatModel, GenerateOptions, Generation } from "../ports/chat-model.js";

/** A generation ended by the worker's shutdown deadline: the turn goes back to the queue, nothing is stored. */
export class GenerationAbortedError extends AppError {
  readonly code = "GENERATION_ABORTED";
  constructor() {
    super("the worker is stopping: generation cut short, the turn is handed back");
  }
}

/**
 * The model as the turns see it, with one more way to stop a generation: `signal`, aborted when the
 * worker's shutdown deadline passes. A generation it cut short throws instead of returning half a
 * reply, so nothing is stored and the turn is handed back whole.
 */
export function abortableModel(model: ChatModel, signal: AbortSignal): ChatModel {
  return {
    get contextSize() {
      return model.contextSize;
    },
    get description() {
      return model.description;
    },
    get controlMarkers() {
      return model.controlMarkers;
    },
    countPromptTokens: (prompt) => model.countPromptTokens(prompt),
    countTurnTokens: (turn) => model.countTurnTokens(turn),
    renderPrompt: (prompt) => model.renderPrompt(prompt),
    async generate(prompt: ChatPrompt, options: GenerateOptions): Promise<Generation> {
      if (signal.aborted) throw new GenerationAbortedError();
      const result = await model.generate(prompt, { ...options, signal: options.signal ? AbortSignal.any([options.signal, signal]) : signal });
      if (signal.aborted) throw new GenerationAbortedError();
      return result;
    },
    forget: (conversationKey) => model.forget(conversationKey),
    close: () => model.close(),
  };
}
