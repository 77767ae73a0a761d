import type { LlamaContextSequence, Token } from "node-llama-cpp";
import type { DecodeSteps } from "./decode-steps.js";
import { IncrementalDetokenizer } from "./incremental-detokenizer.js";

export interface SequenceGenerateOptions {
  readonly maxTokens: number;
  readonly temperature: number;
  readonly seed?: number | undefined;
  readonly signal: AbortSignal;
  /** Plain-text stop triggers of the chat template (Llama 2: "</s>" spelled as text). */
  readonly stopTexts: readonly string[];
  readonly onTextChunk?: ((text: string) => void) | undefined;
  /** The decode loop of the sequence's context, shared by its generations so each decode carries all of them. */
  readonly steps: DecodeSteps;
  /** The sequence's id within its context: its tokens take this place in a batch (see sequence-order-strategy.ts). */
  readonly slot: number;
  /** What `steps.expect()` returned when the turn was announced, if it was. */
  readonly announced?: (() => void) | undefined;
}

export interface SequenceGeneration {
  readonly text: string;
  readonly stopReason: "end" | "maxTokens" | "abort";
}

// LlamaChat's defaults: penalise the last 64 generated tokens, newlines excepted. The penalty itself
// is ours: node-llama-cpp documents 1.1 as LlamaChat's default but passes none, so the native
// sampler applies 1.0 (no penalty); 1.1 keeps a 7B chat model out of loops.
// test/unit/generation-loop-pin.test.ts holds this to LlamaChat's output.
export const REPEAT_PENALTY_TOKENS = 64;
export const REPEAT_PENALTY = 1.1;

/** Text that can be handed out now: no half UTF-8 character and no start of a stop trigger at the end. */
function settledLength(text: string, stopTexts: readonly string[]): number {
  let end = text.length;
  while (end > 0 && text[end - 1] === "\uFFFD") end--;
  for (const stop of stopTexts) {
    for (let k = Math.min(stop.length - 1, end); k > 0; k--) {
      if (text.slice(end - k, end) === stop.slice(0, k)) {
        end -= k;
        break;
      }
    }
  }
  return end;
}

/** Where the first stop text starts in `text`, looking only at matches that end at or after `from`. */
function stopIndex(text: string, stopTexts: readonly string[], from: number): number {
  let first = -1;
  for (const stop of stopTexts) {
    const at = text.indexOf(stop, Math.max(0, from - stop.length + 1));
    if (at >= 0 && (first < 0 || at < first)) first = at;
  }
  return first;
}

/**
 * Generates after `input` on a sequence: evaluates only the tokens after the longest prefix the
 * sequence already holds (at least the last one, which yields the first new token), then samples
 * until an end-of-generation token, a stop text, `maxTokens` or the signal. We drive the sequence
 * ourselves rather than through LlamaChat, because LlamaChat tokenizes the whole history again on
 * every call, and the prompt must be given as tokens to keep the generated reply's tokens.
 */
export async function generateOnSequence(
  sequence: LlamaContextSequence,
  input: readonly Token[],
  options: SequenceGenerateOptions,
): Promise<SequenceGeneration> {
  const model = sequence.model;
  if (input.length === 0) throw new Error("cannot generate after an empty prompt");
  const room = sequence.context.contextSize - input.length;
  if (room < 1) throw new Error(`the prompt (${input.length} tokens) does not fit the context of ${sequence.context.contextSize} tokens`);
  const maxTokens = Math.min(options.maxTokens, room);

  await sequence.adaptStateToTokens(input.slice(0, -1), false);
  const toEvaluate = input.slice(sequence.nextTokenIndex);
  const before = input.slice(-4);
  const nl = model.tokens.nl;
  const generated: Token[] = [];
  const detokenizer = new IncrementalDetokenizer(model, before);
  let text = "";
  // Text before this offset has been searched for stop texts (it ends before any half character).
  let searched = 0;
  let emitted = 0;
  let stopReason: SequenceGeneration["stopReason"] = "maxTokens";
  const generation = await options.steps.begin(
    sequence,
    options.slot,
    {
      temperature: options.temperature,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      repeatPenalty: {
        punishTokens: () => generated.slice(-REPEAT_PENALTY_TOKENS).filter((t) => t !== nl),
        maxPunishTokens: REPEAT_PENALTY_TOKENS,
        penalty: REPEAT_PENALTY,
      },
    },
    options.announced,
  );
  try {
    let token = await generation.next(toEvaluate);
    while (token !== undefined) {
      if (options.signal.aborted) {
        stopReason = "abort";
        break;
      }
      if (model.isEogToken(token)) {
        stopReason = "end";
        break;
      }
      generated.push(token);
      text = detokenizer.push(token);
      const stopAt = stopIndex(text, options.stopTexts, searched);
      if (stopAt >= 0) {
        text = text.slice(0, stopAt);
        stopReason = "end";
        break;
      }
      searched = text.length;
      while (searched > 0 && text[searched - 1] === "\uFFFD") searched--;
      const settled = settledLength(text, options.stopTexts);
      if (settled > emitted) {
        options.onTextChunk?.(text.slice(emitted, settled));
        emitted = settled;
      }
      if (generated.length >= maxTokens) break;
      token = await generation.next([token]);
    }
  } finally {
    generation.end();
  }
  if (text.length > emitted) options.onTextChunk?.(text.slice(emitted));
  return { text, stopReason };
}
