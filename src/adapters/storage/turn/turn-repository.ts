import type { SavedReply, SaveReplyInput, TurnContext, TurnStore } from "../../../ports/turn-store.js";
import type { Db } from "../create-db.js";
import { loadTurnContext } from "./load-turn-query.js";
import { isForeignKeyViolation } from "../row-gone.js";
import { recordHandoff } from "./record-handoff.js";
import { saveReplyStatement } from "./save-reply-statement.js";

class Fenced extends Error {}

const withoutNul = (text: string) => text.replaceAll("\u0000", "");

export class TurnRepository implements TurnStore {
  constructor(private readonly db: Db) {}

  loadTurn(conversationId: string): Promise<TurnContext | null> {
    return loadTurnContext(this.db, conversationId);
  }

  async saveReply(raw: SaveReplyInput): Promise<SavedReply | null> {
    // PostgreSQL refuses NUL in text: a reply (or the model text kept with a flag) holding one would fail its transaction on every retry.
    const input: SaveReplyInput = {
      ...raw,
      text: withoutNul(raw.text),
      ...(raw.flag ? { flag: { ...raw.flag, modelText: withoutNul(raw.flag.modelText) } } : {}),
    };
    try {
      if (!input.flag && !input.handoff) return await saveReplyStatement(this.db, input);
      return await this.db.$transaction(async (tx) => {
        const saved = await saveReplyStatement(tx, input);
        if (!saved) throw new Fenced();
        if (input.flag) {
          await tx.replyFlag.create({
            data: {
              businessId: input.businessId,
              conversationId: input.conversationId,
              replyId: saved.replyId,
              reason: input.flag.reason.slice(0, 500),
              modelText: input.flag.modelText,
            },
          });
        }
        const handoff = input.handoff
          ? await recordHandoff(tx, { businessId: input.businessId, conversationId: input.conversationId, handoff: input.handoff })
          : undefined;
        return { ...saved, ...(handoff ? { handoff } : {}) };
      });
    } catch (error) {
      if (error instanceof Fenced) return null;
      // The conversation was erased while the reply was generated: nothing to store, nothing to retry.
      if (isForeignKeyViolation(error)) return null;
      throw error;
    }
  }

  async markInboundFailed(messageIds: readonly string[], reason: string): Promise<void> {
    await this.db.message.updateMany({
      where: { id: { in: [...messageIds] }, status: "received" },
      data: { status: "failed", error: reason.slice(0, 500) },
    });
  }

  async skipInbound(messageIds: readonly string[], reason: string): Promise<void> {
    await this.db.message.updateMany({
      where: { id: { in: [...messageIds] }, status: "received" },
      data: { status: "skipped", error: reason.slice(0, 500) },
    });
  }

  async waitForOpening(conversationId: string, until: Date): Promise<void> {
    await this.db.conversation.updateMany({ where: { id: conversationId }, data: { waitingUntil: until } });
  }

  async resumeExpiredPause(conversationId: string, pausedUntil: Date): Promise<boolean> {
    const resumed = await this.db.conversation.updateMany({
      where: { id: conversationId, agentPaused: true, pausedUntil: { equals: pausedUntil, lte: new Date() } },
      data: { agentPaused: false, pausedBy: null, pausedUntil: null },
    });
    return resumed.count > 0;
  }

  async newestPendingSeq(conversationId: string): Promise<bigint | null> {
    const row = await this.db.message.findFirst({
      where: { conversationId, direction: "inbound", status: "received" },
      orderBy: { seq: "desc" },
      select: { seq: true },
    });
    return row?.seq ?? null;
  }
}
