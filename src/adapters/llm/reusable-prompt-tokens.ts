import { LlamaText, type LlamaModel, type Token, type Tokenizer } from "node-llama-cpp";

/** The prompt a sequence was last given: its rendered text and the exact tokens evaluated for it. */
export interface EvaluatedPrompt {
  readonly text: LlamaText;
  readonly tokens: readonly Token[];
}

type TextValue = LlamaText["values"][number];

export function sameValue(a: TextValue | undefined, b: TextValue | undefined): boolean {
  if (typeof a === "string" || typeof b === "string") return a === b;
  return a !== undefined && b !== undefined && a.constructor === b.constructor && a.value === b.value;
}

export function startsWith(tokens: readonly Token[], prefix: readonly Token[]): boolean {
  if (prefix.length > tokens.length) return false;
  for (let i = 0; i < prefix.length; i++) if (tokens[i] !== prefix[i]) return false;
  return true;
}

/**
 * The tokens for `next`, built so that what the sequence already holds matches token for token.
 *
 * A reply the model generated is rarely the tokenizer's own segmentation of its text, so
 * tokenizing the stored reply again would break the KV-cache match right at the previous reply and
 * re-evaluate everything after it. When `next` renders as the previous prompt followed by the
 * stored reply, the generated tokens still in `contextTokens` stand for as much of the reply as
 * they spell, and only the rest is tokenized. The reply is stored trimmed, so whitespace the model
 * generated before it stays in the cache as generated. Anything else (a trimmed or merged history,
 * another conversation) is tokenized whole, and the engine reuses the common token prefix.
 */
export function reusablePromptTokens(
  model: LlamaModel,
  next: LlamaText,
  last: EvaluatedPrompt | undefined,
  contextTokens: readonly Token[],
  tokenizer: Tokenizer = model.tokenizer,
): Token[] {
  const whole = () => next.tokenize(tokenizer);
  if (last === undefined || !startsWith(contextTokens, last.tokens)) return whole();
  const previous = last.text.values;
  const values = next.values;
  if (values.length <= previous.length || !previous.every((v, i) => sameValue(v, values[i]))) return whole();
  const reply = values[previous.length];
  if (typeof reply !== "string") return whole();

  const generated = contextTokens.slice(last.tokens.length);
  const before = last.tokens.slice(-4);
  let kept = 0;
  let consumed = 0;
  for (let n = 1; n <= generated.length; n++) {
    const text = model.detokenize(generated.slice(0, n), false, before);
    const spelled = reply.startsWith(text) ? text : text.trimStart();
    if (reply.startsWith(spelled)) {
      kept = n;
      consumed = spelled.length;
    }
  }
  const rest = LlamaText([reply.slice(consumed), ...values.slice(previous.length + 1)]).tokenize(tokenizer, "trimLeadingSpace");
  return [...last.tokens, ...generated.slice(0, kept), ...rest];
}
