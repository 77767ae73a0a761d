import type { Config } from "../../src/config/index.js";
import { ChatProfileRepository } from "../../src/adapters/storage/admin/chat-profile-repository.js";
import { InputError } from "../../src/domain/errors.js";
import type { InboundMessage } from "../../src/domain/inbound-message.js";
import { buildApp } from "../../src/adapters/http/build-app.js";
import type { StoredInbound } from "../../src/ports/inbound-store.js";
import type { Logger } from "../../src/ports/logger.js";
import { httpSettings, webchatRouteDeps, type Gateway } from "../../src/main/compose-gateway.js";
import { createRedis } from "../../src/adapters/queue/redis-connection.js";
import { RedisReplyBus } from "../../src/adapters/queue/redis-reply-bus.js";
import { BullTurnQueue } from "../../src/adapters/queue/turn-queue.js";
import { ConversationRepository } from "../../src/adapters/storage/turn/conversation-repository.js";
import type { Db } from "../../src/adapters/storage/create-db.js";
import { InboundRepository } from "../../src/adapters/storage/ingest/inbound-repository.js";

/**
 * The NAIVE ingest baseline: the gateway's own HTTP app (buildApp, same routes and validation), but
 * each message is stored the obvious way, in one Prisma interactive transaction (find channel,
 * look for the platform message id, upsert contact, upsert conversation, create message), and the
 * turn is queued after the commit with a plain BullMQ add.
 */
export function composeNaiveGateway(deps: { config: Config; db: Db; redisUrl: string; logger: Logger }): Gateway {
  const { config, db, logger } = deps;
  const producer = createRedis(deps.redisUrl, "producer");
  const subscriber = createRedis(deps.redisUrl, "subscriber");
  const queue = new BullTurnQueue(producer, config.queuePrefix, logger);
  const bus = new RedisReplyBus(producer, subscriber, config.queuePrefix);
  const app = buildApp({
    logger,
    maxMessageChars: config.limits.maxMessageChars,
    http: httpSettings(config),
    chatProfiles: new ChatProfileRepository(db),
    webchat: webchatRouteDeps(config, {
      bus,
      logger,
      accept: async (message) => {
        const stored = await storeInTransaction(db, message);
        if (!stored.answered)
          await queue.queue.add("turn", { conversationId: stored.conversationId, messageId: stored.messageId, businessId: stored.businessId });
        return stored;
      },
      channels: new InboundRepository(db),
      reader: new ConversationRepository(db),
    }),
    readiness: {},
  });
  return {
    app,
    async close() {
      await app.close();
      await queue.close();
      producer.disconnect();
      subscriber.disconnect();
    },
  };
}

function storeInTransaction(db: Db, message: InboundMessage): Promise<StoredInbound> {
  return db.$transaction(async (tx) => {
    const channel = await tx.channel.findUnique({
      where: { kind_platformAccountId: { kind: message.channelKind, platformAccountId: message.platformAccountId } },
      select: { id: true, businessId: true, enabled: true },
    });
    if (!channel?.enabled) throw new InputError("UNKNOWN_CHANNEL", `no active ${message.channelKind} channel ${message.platformAccountId}`, 404);
    const existing = await tx.message.findUnique({
      where: { channelId_platformMessageId: { channelId: channel.id, platformMessageId: message.platformMessageId } },
      select: { id: true, conversationId: true, status: true },
    });
    if (existing) {
      return {
        messageId: existing.id,
        conversationId: existing.conversationId,
        businessId: channel.businessId,
        duplicate: true,
        answered: existing.status !== "received",
      };
    }
    const contact = await tx.contact.upsert({
      where: { channelId_platformUserId: { channelId: channel.id, platformUserId: message.senderId } },
      create: { businessId: channel.businessId, channelId: channel.id, platformUserId: message.senderId, displayName: message.senderName ?? null },
      update: {},
      select: { id: true },
    });
    const conversation = await tx.conversation.upsert({
      where: { channelId_contactId: { channelId: channel.id, contactId: contact.id } },
      create: { businessId: channel.businessId, channelId: channel.id, contactId: contact.id, lastMessageAt: message.sentAt },
      update: { lastMessageAt: new Date() },
      select: { id: true },
    });
    const created = await tx.message.create({
      data: {
        businessId: channel.businessId,
        conversationId: conversation.id,
        channelId: channel.id,
        direction: "inbound",
        kind: message.kind,
        text: message.text,
        platformMessageId: message.platformMessageId,
        status: "received",
      },
      select: { id: true },
    });
    return { messageId: created.id, conversationId: conversation.id, businessId: channel.businessId, duplicate: false, answered: false };
  });
}
