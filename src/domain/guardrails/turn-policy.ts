import type { Persona } from "../personas/persona-schema.js";
import { afterGeneration } from "./after-generation.js";
import { beforeGeneration } from "./before-generation.js";
import type { ControlText } from "./neutralise-control-text.js";
import type { ReplyLanguage } from "./reply-language.js";

export interface BeforeGenerationInput {
  readonly persona: Persona;
  /** The loaded model's control markup (controlTextOf); the common templates' when absent. */
  readonly controlText?: ControlText;
  /** The unanswered messages this turn answers, oldest first. */
  readonly pending: readonly { readonly text: string }[];
  /** Earlier messages of the conversation (not the pending ones), oldest first. */
  readonly history: readonly { readonly direction: "inbound" | "outbound"; readonly text: string }[];
  /** No reply has been sent in this conversation yet (or in this session of it). */
  readonly isFirstReply: boolean;
  /** Messages this sender sent today, the pending ones included. */
  readonly senderMessagesToday: number;
  /** Messages this sender sent in the last minute, the pending ones included. */
  readonly burstSize: number;
  /**
   * Web chat: the same counts for every session from the sender's network address, and how many
   * fans' allowance one address gets (visitors behind one NAT share it). A new session id does not
   * reset these.
   */
  readonly address?: { readonly messagesToday: number; readonly burstSize: number; readonly fansPerAddress: number };
}

export type BeforeGeneration =
  /** Ask the model, giving it `userTexts` (the pending texts with control text made inert; `controlText`: there was some). */
  | {
      readonly action: "generate";
      readonly userTexts: string[];
      readonly askedIfHuman: boolean;
      readonly language: ReplyLanguage;
      readonly controlText: boolean;
    }
  /** Send `text` instead of asking the model. */
  | { readonly action: "reply"; readonly text: string; readonly reason: string }
  /** Send `text`, and tell the owner (`notify`: "<channel>:<reference>" from the persona's owner). */
  | { readonly action: "handoff"; readonly text: string; readonly reason: string; readonly notify: string }
  /** Send nothing: the notice was already sent (daily cap, flood). Mark the messages skipped. */
  | { readonly action: "ignore"; readonly reason: string };

export interface AfterGenerationInput {
  readonly persona: Persona;
  /** The loaded model's control markup (controlTextOf); the common templates' when absent. */
  readonly controlText?: ControlText;
  readonly reply: string;
  readonly isFirstReply: boolean;
  /** From beforeGeneration's "generate" decision. */
  readonly askedIfHuman: boolean;
  readonly systemPrompt: string;
  /** From beforeGeneration's "generate" decision; guessed from the reply when absent. */
  readonly language?: ReplyLanguage;
  /** Prices and times (figureValues) of the business's knowledge base: quoting one is not inventing it. */
  readonly knownFigures?: ReadonlySet<number>;
}

export interface AfterGeneration {
  /** What to send. */
  readonly text: string;
  /** Why the model's reply was replaced, for the admin. */
  readonly flagged?: string;
  /**
   * The reply quoted a price or time that neither the persona nor the knowledge base holds (support agents): the customer
   * is told a person will answer, and the owner is told (`notify` as in beforeGeneration's handoff).
   */
  readonly handoff?: { readonly reason: string; readonly notify: string };
}

/** The rules of a turn that code enforces around the model. Pure: no I/O, no clock. */
export interface TurnPolicy {
  beforeGeneration(input: BeforeGenerationInput): BeforeGeneration;
  afterGeneration(input: AfterGenerationInput): AfterGeneration;
}

export const turnPolicy: TurnPolicy = { beforeGeneration, afterGeneration };
