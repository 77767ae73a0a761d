import type { Token } from "node-llama-cpp";

/** The part of LlamaModel this needs. */
export interface Detokenizer {
  detokenize(tokens: readonly Token[], specialTokens?: boolean, lastTokens?: readonly Token[]): string;
  getTokenAttributes(token: Token): { readonly normal: boolean };
}

// node-llama-cpp reads at most 4 tokens of context before the detokenized ones (3.21.1: maxRecentDetokenizerTokens).
const CONTEXT_TOKENS = 4;
// Tokens detokenized again on every step at most (while no half character is pending).
const WINDOW_TOKENS = 8;

/**
 * The text of a growing token array, as `detokenize(tokens, false, before)` would give it, without
 * detokenizing the whole array on every token: the text of the tokens before a window is kept, and
 * only the window is detokenized, with the tokens before it as context (which is how the
 * detokenizer keeps a word's leading space). The window moves on only when its text does not end
 * in a half UTF-8 character (U+FFFD), so a character spelled by several byte tokens is never cut,
 * and only where the tokens before the new window are plain text pieces: byte, control and unknown
 * tokens as context change how the detokenizer treats the next token's leading space.
 */
export class IncrementalDetokenizer {
  private readonly tokens: Token[] = [];
  private settledText = "";
  private windowStart = 0;
  private current = "";

  constructor(
    private readonly model: Detokenizer,
    private readonly before: readonly Token[],
  ) {}

  get text(): string {
    return this.current;
  }

  get length(): number {
    return this.tokens.length;
  }

  /** Adds a token and returns the text of all tokens so far. */
  push(token: Token): string {
    this.tokens.push(token);
    const window = this.tokens.slice(this.windowStart);
    const windowText = this.model.detokenize(window, false, this.contextBefore(this.windowStart));
    this.current = this.settledText + windowText;
    if (window.length >= WINDOW_TOKENS && !windowText.endsWith("\uFFFD") && this.plainContextAt(this.tokens.length)) {
      this.settledText = this.current;
      this.windowStart = this.tokens.length;
    }
    return this.current;
  }

  private plainContextAt(index: number): boolean {
    if (index < CONTEXT_TOKENS) return false;
    for (let i = index - CONTEXT_TOKENS; i < index; i++) if (!this.model.getTokenAttributes(this.tokens[i]!).normal) return false;
    return true;
  }

  private contextBefore(index: number): readonly Token[] {
    if (index >= CONTEXT_TOKENS) return this.tokens.slice(index - CONTEXT_TOKENS, index);
    return [...this.before, ...this.tokens.slice(0, index)].slice(-CONTEXT_TOKENS);
  }
}
