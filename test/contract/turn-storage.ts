import { randomUUID } from "node:crypto";
import type { ChannelKind, MessageKind } from "../../src/domain/inbound-message.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import type { OutboxStore } from "../../src/ports/outbox-store.js";
import type { TurnStore } from "../../src/ports/turn-store.js";
import { InboundRepository } from "../../src/adapters/storage/ingest/inbound-repository.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { OutboxRepository } from "../../src/adapters/storage/turn/outbox-repository.js";
import { TurnRepository } from "../../src/adapters/storage/turn/turn-repository.js";
import { InMemoryOutboxStore } from "../../test-kit/in-memory/in-memory-outbox-store.js";
import { InMemoryTurnStore } from "../../test-kit/in-memory/in-memory-turn-store.js";
import { TurnTables } from "../../test-kit/in-memory/turn-tables.js";
import { createTestDatabase } from "../../test-kit/test-database.js";

/** The worker's storage ports over one business, and how a test puts rows in front of them. */
export interface TurnStorage {
  readonly turns: TurnStore;
  readonly outbox: OutboxStore;
  /** A new enabled channel of the business. */
  addChannel(kind: ChannelKind): Promise<{ readonly id: string }>;
  /** A customer's message, stored as ingest stores it (unanswered). */
  customerSays(
    channelId: string,
    senderId: string,
    text: string,
    options?: { kind?: MessageKind; platformMessageId?: string },
  ): Promise<{ conversationId: string; messageId: string }>;
  /** The owner paused the agent in the conversation; `until`: the pause ends by itself then. */
  pause(conversationId: string, until: Date | null): Promise<void>;
  close(): Promise<void>;
}

/** PostgreSQL: a fresh test database with the support-bakery business seeded. */
export async function postgresTurnStorage(): Promise<TurnStorage> {
  const database = await createTestDatabase();
  const { db } = database;
  const slug = `contract-${randomUUID().slice(0, 8)}`;
  const { businessId } = await seedBusiness(db, await loadPersonaTemplate("support-bakery"), slug, { turnDebounceMs: 0 });
  const inbound = new InboundRepository(db);
  return {
    turns: new TurnRepository(db),
    outbox: new OutboxRepository(db),
    addChannel: (kind) => db.channel.create({ data: { businessId, kind, platformAccountId: randomUUID(), name: kind }, select: { id: true } }),
    async customerSays(channelId, senderId, text, options = {}) {
      const channel = await db.channel.findUniqueOrThrow({ where: { id: channelId } });
      const stored = await inbound.storeInbound(channel, {
        channelKind: channel.kind,
        platformAccountId: channel.platformAccountId,
        platformMessageId: options.platformMessageId ?? randomUUID(),
        senderId,
        kind: options.kind ?? "text",
        text,
        sentAt: new Date(),
      });
      return { conversationId: stored.conversationId, messageId: stored.messageId };
    },
    async pause(conversationId, until) {
      await db.conversation.update({ where: { id: conversationId }, data: { agentPaused: true, pausedBy: "owner", pausedUntil: until } });
    },
    close: () => database.drop(),
  };
}

/** In memory: the same business in TurnTables. */
export async function inMemoryTurnStorage(): Promise<TurnStorage> {
  const tables = new TurnTables((await loadPersonaTemplate("support-bakery")).persona, { turnDebounceMs: 0 });
  return {
    turns: new InMemoryTurnStore(tables),
    outbox: new InMemoryOutboxStore(tables),
    addChannel: async (kind) => tables.addChannel(kind),
    customerSays: async (channelId, senderId, text, options = {}) => tables.receive(channelId, { senderId, text, ...options }),
    async pause(conversationId, until) {
      Object.assign(tables.conversations.get(conversationId)!, { agentPaused: true, pausedBy: "owner", pausedUntil: until });
    },
    close: async () => undefined,
  };
}
