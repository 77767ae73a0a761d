import type { ConversationMessage, ConversationReader } from "../../../ports/conversation-reader.js";
import type { Db } from "../create-db.js";
import { withDatabase } from "../db-unavailable.js";

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
        where: {
          conversationId,
          seq: { gt: BigInt(afterSeq) },
          OR: [{ direction: "inbound" }, { direction: "outbound", status: { not: "failed" } }],
        },
        orderBy: { seq: "asc" },
        take: limit,
        select: { id: true, seq: true, direction: true, text: true, status: true, createdAt: true },
      });
      return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
    });
  }

  pendingFromSender(channelId: string, senderKey: string, withinMs: number, atMost: number): Promise<number> {
    return withDatabase(async () => {
      const since = new Date(Date.now() - withinMs);
      const [row] = await this.db.$queryRaw<Array<{ n: bigint }>>`
        select count(*) as n from (
          select 1 from "Message" m join "Conversation" c on c.id = m."conversationId" and not c."agentPaused"
          where m."channelId" = ${channelId}::uuid and m."senderKey" = ${senderKey} and m."createdAt" >= ${since}::timestamp(3)
            and m.direction = 'inbound' and m.status = 'received'
          limit ${atMost}
        ) pending`;
      return Number(row?.n ?? 0);
    });
  }
}
