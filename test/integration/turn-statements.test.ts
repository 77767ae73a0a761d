import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { renderSystemPrompt } from "../../src/domain/personas/render-persona.js";
import type { SaveReplyInput } from "../../src/ports/turn-store.js";
import { InboundRepository } from "../../src/adapters/storage/ingest/inbound-repository.js";
import { OutboxRepository } from "../../src/adapters/storage/turn/outbox-repository.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { TurnRepository } from "../../src/adapters/storage/turn/turn-repository.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";

// The turn path's single statements (load, save with its fence, claim) against a real database.
let database: TestDatabase;
let turns: TurnRepository;
let businessId: string;
let channelId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  turns = new TurnRepository(database.db);
  ({ businessId } = await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "corner"));
  channelId = (await database.db.channel.findFirstOrThrow({ where: { businessId, kind: "webchat" } })).id;
});

afterAll(async () => database?.drop());

async function customerSays(text: string, senderId = randomBytes(12).toString("hex")) {
  const inbound = new InboundRepository(database.db);
  const channel = await inbound.findChannel("webchat", "corner");
  const stored = await inbound.storeInbound(channel!, {
    channelKind: "webchat",
    platformAccountId: "corner",
    platformMessageId: randomUUID(),
    senderId,
    kind: "text",
    text,
    sentAt: new Date(),
  });
  return { ...stored, senderId };
}

function reply(conversationId: string, answeredIds: string[], text = "We open at 8.", historyStartSeq = 0n): SaveReplyInput {
  const now = new Date();
  return {
    conversationId,
    businessId,
    channelId,
    answeredIds,
    text,
    historyStartSeq,
    stats: {
      worker: "test",
      promptTokens: 10,
      evaluatedTokens: 4,
      generatedTokens: 3,
      startedAt: now,
      generationStartedAt: now,
      generationEndedAt: now,
    },
  };
}

const rowsOf = async (conversationId: string) => ({
  outbound: await database.db.message.count({ where: { conversationId, direction: "outbound" } }),
  outbox: await database.db.outboxEntry.count({ where: { message: { conversationId } } }),
  turns: await database.db.turn.count({ where: { conversationId } }),
});

describe("loadTurn", () => {
  it("reads the conversation, its channel, persona, activity and history in storage order", async () => {
    const first = await customerSays("hi");
    const second = await customerSays("do you open sunday?", first.senderId);
    const context = (await turns.loadTurn(first.conversationId))!;
    const persona = await database.db.persona.findFirstOrThrow({ where: { businessId }, include: { activeVersion: true } });
    expect(context).toMatchObject({
      conversationId: first.conversationId,
      businessId,
      agentPaused: false,
      pausedUntil: null,
      awaySentAt: null,
      business: { timezone: "UTC", openingHours: null, outsideHours: "answer", awayMessage: null },
      channel: { id: channelId, kind: "webchat", platformAccountId: "corner", credentialsRef: null },
      recipientId: first.senderId,
      persona: {
        status: "valid",
        versionId: persona.activeVersionId,
        version: 1,
        systemPrompt: renderSystemPrompt((await loadPersonaTemplate("support-bakery")).persona),
      },
      activity: { lastDay: 2, lastMinute: 2, noReplyYet: true },
      pendingIds: [first.messageId, second.messageId],
    });
    expect(context.history.map((m) => [m.text, m.direction, m.status, typeof m.seq, m.createdAt instanceof Date])).toEqual([
      ["hi", "inbound", "received", "bigint", true],
      ["do you open sunday?", "inbound", "received", "bigint", true],
    ]);
  });

  it("uses the channel's persona, never another one's rules; a channel without one gets the business's oldest", async () => {
    const stored = await customerSays("hello");
    const own = await database.db.persona.create({ data: { businessId, name: `channel-${randomUUID().slice(0, 6)}` } });
    const { persona: fan } = await loadPersonaTemplate("fan-creator");
    const version = await database.db.personaVersion.create({ data: { personaId: own.id, version: 1, settings: fan.settings, voice: fan.voice } });
    try {
      expect((await turns.loadTurn(stored.conversationId))!.persona).toMatchObject({
        status: "valid",
        systemPrompt: expect.stringContaining("Sunrise Bakery"),
      });
      await database.db.channel.update({ where: { id: channelId }, data: { personaId: own.id } });
      // Its own persona has no live version: the turn fails closed rather than borrow the bakery's.
      expect((await turns.loadTurn(stored.conversationId))!.persona).toMatchObject({
        status: "invalid",
        versionId: null,
        problem: expect.stringMatching(/no active version/),
      });
      await database.db.persona.update({ where: { id: own.id }, data: { activeVersionId: version.id } });
      expect((await turns.loadTurn(stored.conversationId))!.persona).toMatchObject({
        status: "valid",
        versionId: version.id,
        systemPrompt: renderSystemPrompt(fan),
      });
    } finally {
      await database.db.channel.update({ where: { id: channelId }, data: { personaId: null } });
      await database.db.persona.delete({ where: { id: own.id } });
    }
  });

  it("reads a broken, draft or unconverted version as invalid, with what is wrong and whom to tell", async () => {
    const stored = await customerSays("hello again");
    const own = await database.db.persona.create({ data: { businessId, name: `broken-${randomUUID().slice(0, 6)}` } });
    const { persona: support } = await loadPersonaTemplate("support-bakery");
    const owner = { channel: "whatsapp_cloud", to: "+34 600 000 111" };
    const cases = [
      {
        data: { settings: { ...support.settings, owner, kind: "robot" }, voice: support.voice },
        problem: /version 1 has invalid settings: settings.kind/,
      },
      {
        data: { settings: { ...support.settings, owner }, voice: support.voice, draftReason: "it has no text" },
        problem: /version 2 is a draft that cannot be used: it has no text/,
      },
      { data: { settings: { owner }, legacyText: "You are Rosa." }, problem: /version 3 is in the old text-only format/ },
    ];
    await database.db.channel.update({ where: { id: channelId }, data: { personaId: own.id } });
    try {
      for (const [i, c] of cases.entries()) {
        const version = await database.db.personaVersion.create({ data: { personaId: own.id, version: i + 1, ...c.data } });
        await database.db.persona.update({ where: { id: own.id }, data: { activeVersionId: version.id } });
        expect((await turns.loadTurn(stored.conversationId))!.persona).toMatchObject({
          status: "invalid",
          versionId: version.id,
          problem: expect.stringMatching(c.problem),
          fallback: { notify: "whatsapp_cloud:+34 600 000 111" },
        });
      }
    } finally {
      await database.db.channel.update({ where: { id: channelId }, data: { personaId: null } });
      await database.db.persona.update({ where: { id: own.id }, data: { activeVersionId: null } });
      await database.db.persona.delete({ where: { id: own.id } });
    }
  });

  it("is null for a conversation that does not exist", async () => {
    expect(await turns.loadTurn(randomUUID())).toBeNull();
  });
});

describe("saveReply", () => {
  it("stores the reply, its outbox entry and turn, answers the messages and moves the history start forward only", async () => {
    const a = await customerSays("hi");
    const saved = (await turns.saveReply(reply(a.conversationId, [a.messageId], "Hello!", 5n)))!;
    expect(await database.db.message.findUniqueOrThrow({ where: { id: a.messageId } })).toMatchObject({ status: "answered", replyId: saved.replyId });
    expect(await database.db.message.findUniqueOrThrow({ where: { id: saved.replyId } })).toMatchObject({
      direction: "outbound",
      status: "pending",
      text: "Hello!",
      kind: "text",
      conversationId: a.conversationId,
    });
    expect(await database.db.outboxEntry.findUniqueOrThrow({ where: { id: saved.outboxId } })).toMatchObject({
      messageId: saved.replyId,
      status: "pending",
      attempts: 0,
    });
    expect(await database.db.turn.findUniqueOrThrow({ where: { replyId: saved.replyId } })).toMatchObject({
      answeredCount: 1,
      promptTokens: 10,
      evaluatedTokens: 4,
      generatedTokens: 3,
      worker: "test",
    });
    expect((await database.db.conversation.findUniqueOrThrow({ where: { id: a.conversationId } })).historyStartSeq).toBe(5n);

    const b = await customerSays("and tomorrow?", a.senderId);
    expect(await turns.saveReply(reply(a.conversationId, [b.messageId], "Also at 8.", 2n))).not.toBeNull();
    expect((await database.db.conversation.findUniqueOrThrow({ where: { id: a.conversationId } })).historyStartSeq).toBe(5n);
  });

  it("writes nothing when any message was answered meanwhile (the fence)", async () => {
    const a = await customerSays("one");
    const b = await customerSays("two", a.senderId);
    expect(await turns.saveReply(reply(a.conversationId, [a.messageId]))).not.toBeNull();
    const before = await rowsOf(a.conversationId);
    expect(await turns.saveReply(reply(a.conversationId, [a.messageId, b.messageId]))).toBeNull();
    expect(await rowsOf(a.conversationId)).toEqual(before);
    expect((await database.db.message.findUniqueOrThrow({ where: { id: b.messageId } })).status).toBe("received");
  });

  it("lets exactly one of several racing saves for the same messages win", async () => {
    const a = await customerSays("race");
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => turns.saveReply(reply(a.conversationId, [a.messageId], `reply ${i}`))));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(await rowsOf(a.conversationId)).toEqual({ outbound: 1, outbox: 1, turns: 1 });
  });

  it("records when the away message went out, with the reply", async () => {
    const a = await customerSays("open?");
    const at = new Date("2026-11-27T22:00:00.000Z");
    await turns.saveReply({ ...reply(a.conversationId, [a.messageId], "We are closed."), awaySentAt: at });
    expect((await database.db.conversation.findUniqueOrThrow({ where: { id: a.conversationId } })).awaySentAt).toEqual(at);
  });
});

describe("claiming an outbox entry", () => {
  it("moves it to sending once and returns what to send", async () => {
    const a = await customerSays("hi there");
    const saved = (await turns.saveReply(reply(a.conversationId, [a.messageId], "Hi!")))!;
    const outbox = new OutboxRepository(database.db);
    const claims = await Promise.all([outbox.claim(saved.outboxId), outbox.claim(saved.outboxId)]);
    const claimed = claims.find((c) => c !== null && c !== "waiting")!;
    expect(claims.filter((c) => c !== null)).toHaveLength(1);
    expect(claimed).toMatchObject({
      outboxId: saved.outboxId,
      attempt: 1,
      channel: { id: channelId, kind: "webchat", platformAccountId: "corner", credentialsRef: null },
      conversationId: a.conversationId,
      recipientId: a.senderId,
      messageId: saved.replyId,
      text: "Hi!",
    });
    expect(claimed.lastInboundAt).toBeInstanceOf(Date);
    expect(await database.db.outboxEntry.findUniqueOrThrow({ where: { id: saved.outboxId } })).toMatchObject({ status: "sending", attempts: 1 });
    expect(await outbox.claim(randomUUID())).toBeNull();
  });

  it("waits while an earlier reply of the conversation is not sent yet, so the customer gets them in order", async () => {
    const a = await customerSays("hi there");
    const first = (await turns.saveReply(reply(a.conversationId, [a.messageId], "Hi!")))!;
    const b = await customerSays("open on sunday?", a.senderId);
    const second = (await turns.saveReply(reply(b.conversationId, [b.messageId], "8 to 1.")))!;
    const outbox = new OutboxRepository(database.db);
    // The first is pending (e.g. put back for a retry): the second waits, untouched.
    expect(await outbox.claim(second.outboxId)).toBe("waiting");
    expect(await database.db.outboxEntry.findUniqueOrThrow({ where: { id: second.outboxId } })).toMatchObject({ status: "pending", attempts: 0 });
    // Being sent: still waiting.
    expect(await outbox.claim(first.outboxId)).toMatchObject({ text: "Hi!" });
    expect(await outbox.claim(second.outboxId)).toBe("waiting");
    // Put back for a retry, then failed for good: the second goes.
    await outbox.release(first.outboxId, "429");
    expect(await outbox.claim(second.outboxId)).toBe("waiting");
    await outbox.claim(first.outboxId);
    await outbox.markFailed(first.outboxId, "UNKNOWN_OUTCOME: test");
    expect(await outbox.claim(second.outboxId)).toMatchObject({ text: "8 to 1.", attempt: 1 });
    // Another conversation's unsent reply holds nothing up.
    const other = await customerSays("hello");
    const third = (await turns.saveReply(reply(other.conversationId, [other.messageId], "Hello!")))!;
    expect(await outbox.claim(third.outboxId)).toMatchObject({ text: "Hello!" });
  });
});
