import type { ConversationMessage, ConversationReader } from "../ports/conversation-reader.js";
import type { Db } from "./create-db.js";
import { withDatabase } from "./db-unavailable.js";

export class ConversationRepository implements ConversationReader {
  constructor(private readonly db: Db) {}

  findConversationId(channelId: string, platformUserId: string): Promise<string | null> {
    return withDatabase(async () => {
      const row = await this.db.conversation.findFirst({
        where: { channelId, contact: { platformUserId } },
        select: { id: true },
      });
      return row?.id ?? null;
    });
  }

  listMessages(conversationId: string, afterSeq: number, limit: number): Promise<ConversationMessage[]> {
    return withDatabase(async () => {
      const rows = await this.db.message.findMany({
        // A web chat reply is "sent" by announcing it, which happens just before it is marked sent.
        where: { conversationId, seq: { gt: BigInt(afterSeq) }, OR: [{ direction: "inbound" }, { direction: "outbound", status: { not: "failed" } }] },
        orderBy: { seq: "asc" },
        take: limit,
        select: { id: true, seq: true, direction: true, text: true, status: true, createdAt: true },
      });
      return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
    });
  }
}
