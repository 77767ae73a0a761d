import { InputError } from "../../domain/errors.js";
import { normaliseMessageText } from "../../domain/message-text.js";
import type { Logger } from "../../ports/logger.js";
import { notFound } from "./admin-error.js";
import type { ConversationStore, HumanReply } from "../../ports/admin/conversation-store.js";
import { wellFormed } from "../../domain/clean-text.js";

export interface HumanReplyDeps {
  readonly conversations: Pick<ConversationStore, "get" | "sendHumanReply">;
  /** Hands the outbox entry to delivery (the outbox queue / worker). */
  readonly deliver: (outboxId: string) => Promise<unknown>;
  readonly maxMessageChars: number;
  readonly logger: Logger;
}

export interface SentHumanReply extends HumanReply {
  /** "deferred": stored with a pending outbox entry, but handing it to delivery failed. */
  readonly delivery: "queued" | "deferred";
}

/** A person answers through the conversation's own channel; pending customer messages count as answered. */
export async function sendHumanReply(deps: HumanReplyDeps, businessId: string, conversationId: string, rawText: unknown): Promise<SentHumanReply> {
  let text: string;
  try {
    text = normaliseMessageText(typeof rawText === "string" ? wellFormed(rawText) : rawText, deps.maxMessageChars);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(error.code, `body.text: ${error.message}`, error.status);
    throw error;
  }
  const conversation = await deps.conversations.get(businessId, conversationId);
  if (!conversation) throw notFound("conversation");
  if (!conversation.channel.enabled) throw new InputError("CHANNEL_DISABLED", "the conversation's channel is disabled; enable it to send", 409);
  const saved = await deps.conversations.sendHumanReply(businessId, conversationId, text);
  if (!saved) throw notFound("conversation");
  try {
    await deps.deliver(saved.outboxId);
    return { ...saved, delivery: "queued" };
  } catch (error) {
    deps.logger.warn({ err: error, conversationId, outboxId: saved.outboxId }, "human reply stored but not handed to delivery");
    return { ...saved, delivery: "deferred" };
  }
}
