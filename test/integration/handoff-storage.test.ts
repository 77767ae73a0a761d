import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { updateOutboundStatus } from "../../src/adapters/storage/turn/update-outbound-status.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import type { SaveReplyInput } from "../../src/ports/turn-store.js";
import { InboundRepository } from "../../src/adapters/storage/ingest/inbound-repository.js";
import { OutboxRepository } from "../../src/adapters/storage/turn/outbox-repository.js";
import { ReconcileRepository } from "../../src/adapters/storage/turn/reconcile-repository.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { TurnRepository } from "../../src/adapters/storage/turn/turn-repository.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";

// The storage side of a handoff against a real database: written with the reply or not at all,
// and its status following the owner's notice wherever the outbox settles it.
let database: TestDatabase;
let businessId: string;
let channelId: string;
const WA = "106540352240000";

beforeAll(async () => {
  database = await createTestDatabase();
  ({ businessId } = await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "sunrise"));
  channelId = (await database.db.channel.findFirstOrThrow({ where: { businessId, kind: "webchat" } })).id;
  await database.db.channel.create({ data: { businessId, kind: "whatsapp_cloud", platformAccountId: WA, name: "WhatsApp" } });
});

afterAll(async () => database?.drop());

async function pendingMessage() {
  const inbound = new InboundRepository(database.db);
  const channel = await inbound.findChannel("webchat", "sunrise");
  return inbound.storeInbound(channel!, {
    channelKind: "webchat",
    platformAccountId: "sunrise",
    platformMessageId: randomUUID(),
    senderId: randomBytes(12).toString("hex"),
    kind: "text",
    text: "I want a refund",
    sentAt: new Date(),
  });
}

function replyInput(stored: { conversationId: string; messageId: string }, notify = "whatsapp_cloud:+34 600 111 222"): SaveReplyInput {
  const now = new Date();
  return {
    conversationId: stored.conversationId,
    businessId,
    channelId,
    answeredIds: [stored.messageId],
    text: "Someone will answer you personally.",
    historyStartSeq: 0n,
    stats: {
      worker: "test",
      promptTokens: 0,
      evaluatedTokens: 0,
      generatedTokens: 0,
      startedAt: now,
      generationStartedAt: now,
      generationEndedAt: now,
    },
    handoff: { reason: "handoff:refund", notify, pausedBy: "handoff", noticeText: "Handoff (refund): open the console" },
    flag: { reason: "contradicts-facts: 1.99", modelText: "It is 1.99." },
  };
}

describe("saving a reply with a handoff", () => {
  it("stores the reply, the flag, the handoff, the pause and the owner's notice together", async () => {
    const stored = await pendingMessage();
    const saved = await new TurnRepository(database.db).saveReply(replyInput(stored));
    expect(saved?.handoff).toMatchObject({ status: "pending", noticeOutboxId: expect.any(String) });
    const handoff = await database.db.handoff.findUniqueOrThrow({ where: { id: saved!.handoff!.id } });
    expect(handoff).toMatchObject({ conversationId: stored.conversationId, reason: "handoff:refund", status: "pending" });
    const notice = await database.db.message.findUniqueOrThrow({
      where: { id: handoff.noticeMessageId! },
      include: { outbox: true, conversation: { include: { contact: true } } },
    });
    expect(notice).toMatchObject({ kind: "owner-notice", status: "pending", outbox: { id: saved!.handoff!.noticeOutboxId } });
    expect(notice.conversation.contact.platformUserId).toBe("34600111222");
    expect(await database.db.replyFlag.findUniqueOrThrow({ where: { replyId: saved!.replyId } })).toMatchObject({ modelText: "It is 1.99." });
    expect(await database.db.conversation.findUniqueOrThrow({ where: { id: stored.conversationId } })).toMatchObject({
      agentPaused: true,
      pausedBy: "handoff",
    });
  });

  it("a second handoff for the same owner reuses their contact and conversation", async () => {
    const before = await database.db.contact.count({ where: { platformUserId: "34600111222" } });
    const saved = await new TurnRepository(database.db).saveReply(replyInput(await pendingMessage(), "whatsapp_cloud:34600111222"));
    expect(saved?.handoff?.status).toBe("pending");
    expect(await database.db.contact.count({ where: { platformUserId: "34600111222" } })).toBe(before);
  });

  it("a fenced turn (its message answered meanwhile) writes no handoff, no notice and no pause", async () => {
    const stored = await pendingMessage();
    await database.db.message.update({ where: { id: stored.messageId }, data: { status: "answered" } });
    const counts = async () => [
      await database.db.handoff.count(),
      await database.db.message.count({ where: { kind: "owner-notice" } }),
      await database.db.replyFlag.count(),
    ];
    const before = await counts();
    expect(await new TurnRepository(database.db).saveReply(replyInput(stored))).toBeNull();
    expect(await counts()).toEqual(before);
    expect((await database.db.conversation.findUniqueOrThrow({ where: { id: stored.conversationId } })).agentPaused).toBe(false);
  });

  it("an owner reference that is not a phone number fails the handoff with the reason, and the reply is still stored", async () => {
    const saved = await new TurnRepository(database.db).saveReply(replyInput(await pendingMessage(), "whatsapp_cloud:the owner"));
    expect(saved?.handoff?.status).toBe("failed");
    expect(await database.db.handoff.findUniqueOrThrow({ where: { id: saved!.handoff!.id } })).toMatchObject({
      error: "the persona's owner address for whatsapp_cloud is not a phone number with country code",
      noticeMessageId: null,
    });
    expect(await database.db.outboxEntry.findUnique({ where: { id: saved!.outboxId } })).not.toBeNull();
  });
});

describe("the handoff follows its notice", () => {
  let owners = 0;
  // Each to an owner of its own: an owner's notices go out in order, one waits for the one before.
  async function savedNotice() {
    const saved = await new TurnRepository(database.db).saveReply(
      replyInput(await pendingMessage(), `whatsapp_cloud:+34 611 000 ${String(++owners).padStart(3, "0")}`),
    );
    return { handoffId: saved!.handoff!.id, outboxId: saved!.handoff!.noticeOutboxId! };
  }
  const handoff = (id: string) => database.db.handoff.findUniqueOrThrow({ where: { id } });

  it("sent -> notified; WhatsApp reporting it failed later -> failed", async () => {
    const { handoffId, outboxId } = await savedNotice();
    const outbox = new OutboxRepository(database.db);
    expect(await outbox.claim(outboxId)).toMatchObject({ outboxId });
    await outbox.markSent(outboxId, ["wamid.notice-1"]);
    expect(await handoff(handoffId)).toMatchObject({ status: "notified", error: null });
    const waChannel = await database.db.channel.findFirstOrThrow({ where: { platformAccountId: WA } });
    expect(await updateOutboundStatus(database.db, waChannel.id, "wamid.notice-1", "failed", "WhatsApp error 131047: Re-engagement message")).toBe(
      true,
    );
    expect(await handoff(handoffId)).toMatchObject({
      status: "failed",
      error: "the notice to the owner was not delivered: WhatsApp error 131047: Re-engagement message",
    });
  });

  it("given up by the outbox -> failed; a worker dying mid-send -> failed, not resent", async () => {
    const outbox = new OutboxRepository(database.db);
    const first = await savedNotice();
    await outbox.claim(first.outboxId);
    await outbox.markFailed(first.outboxId, "GraphRejectedError: (#100) Invalid parameter");
    expect(await handoff(first.handoffId)).toMatchObject({
      status: "failed",
      error: "the notice to the owner was not delivered: GraphRejectedError: (#100) Invalid parameter",
    });

    const second = await savedNotice();
    await outbox.claim(second.outboxId);
    await new ReconcileRepository(database.db).failUnknownOutcome(second.outboxId);
    expect((await handoff(second.handoffId)).error).toMatch(/^the notice to the owner was not delivered: UNKNOWN_OUTCOME/);
  });

  it("a resolved handoff stays resolved whatever its notice does", async () => {
    const { handoffId, outboxId } = await savedNotice();
    await database.db.handoff.update({ where: { id: handoffId }, data: { status: "resolved", resolvedAt: new Date() } });
    const outbox = new OutboxRepository(database.db);
    await outbox.claim(outboxId);
    await outbox.markSent(outboxId, ["wamid.notice-2"]);
    expect((await handoff(handoffId)).status).toBe("resolved");
  });
});
