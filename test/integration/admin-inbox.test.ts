import { randomBytes, randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { TURN_QUEUE, turnJobId } from "../../src/adapters/queue/queue-names.js";
import { InboundRepository } from "../../src/adapters/storage/ingest/inbound-repository.js";
import { buildAdminTestApp, createAdminTestDatabase, seedShop, type AdminTestApp, type Shop } from "../../test-kit/admin-test-app.js";
import type { TestDatabase } from "../../test-kit/test-database.js";
import { createTestQueues, type TestQueues } from "../../test-kit/test-queued-work.js";

// The inbox's admin API against a real database and the real turn queue: state, preview, unread
// per key, names, search, Try it sessions, and that every one of them stays inside its business.
let database: TestDatabase;
let t: AdminTestApp;
let queues: TestQueues;
let shop: Shop;
let other: Shop;

const api = (method: "GET" | "POST" | "PATCH" | "PUT", url: string, payload?: object, auth = shop.auth, businessId = shop.businessId) =>
  t.app.inject({ method, url: `/api/admin/businesses/${businessId}${url}`, headers: { authorization: auth }, ...(payload ? { payload } : {}) });

async function customerWrites(text: string, senderId = randomBytes(12).toString("hex"), senderName?: string, channelKey = shop.channelKey) {
  const inbound = new InboundRepository(database.db);
  const channel = await inbound.findChannel("webchat", channelKey);
  return inbound.storeInbound(channel!, {
    channelKind: "webchat",
    platformAccountId: channelKey,
    platformMessageId: randomUUID(),
    senderId,
    kind: "text",
    text,
    sentAt: new Date(),
    ...(senderName ? { senderName } : {}),
  });
}

beforeAll(async () => {
  database = await createAdminTestDatabase();
  queues = createTestQueues(createLogger("silent", "test"));
  t = await buildAdminTestApp(database.db, { queuedWork: queues.work, events: queues.events, requeueTurn: (job) => queues.turns.requeueTurn(job) });
  shop = await seedShop(database.db, t.store, "inbox-a");
  other = await seedShop(database.db, t.store, "inbox-b");
});

afterAll(async () => {
  await t?.app.close();
  await queues?.close();
  await database?.drop();
});

describe("the conversation list reads like an inbox", () => {
  it("gives each conversation a state, its newest message and the open handoff with the customer's words", async () => {
    const bruno = randomBytes(12).toString("hex");
    const asked = await customerWrites("I want to speak to a human please", bruno, "Bruno");
    await database.db.message.update({ where: { id: asked.messageId }, data: { status: "answered" } });
    await database.db.handoff.create({
      data: { businessId: shop.businessId, conversationId: asked.conversationId, reason: "handoff:human", notify: "admin" },
    });
    await database.db.conversation.update({ where: { id: asked.conversationId }, data: { agentPaused: true, pausedBy: "handoff" } });

    let row = (await api("GET", `/conversations/${asked.conversationId}`)).json();
    expect(row).toMatchObject({
      state: "handed_off",
      unansweredCount: 0,
      contact: { displayName: "Bruno" },
      handoff: { reason: "handoff:human", customerText: "I want to speak to a human please" },
    });
    await customerWrites("Also 4 croissants please", bruno);
    row = (await api("GET", `/conversations/${asked.conversationId}`)).json();
    expect(row).toMatchObject({ state: "waiting", unansweredCount: 1, preview: { text: "Also 4 croissants please", direction: "inbound" } });
    // Ana's (seeded) message is being answered by the agent: open, not waiting.
    expect((await api("GET", `/conversations/${shop.conversationId}`)).json().state).toBe("open");

    const waiting = (await api("GET", "/conversations?state=waiting")).json().items;
    expect(waiting.map((c: { id: string }) => c.id)).toEqual([asked.conversationId]);
    expect((await api("GET", "/conversations?state=open")).json().items.map((c: { id: string }) => c.id)).toEqual([shop.conversationId]);
    expect((await api("GET", "/conversations?state=handed_off")).json().items).toEqual([]);
    const handoffs = (await api("GET", `/handoffs?status=open`)).json().items;
    expect(handoffs[0]).toMatchObject({ contactName: "Bruno", customerText: "I want to speak to a human please" });
  });

  it("resume resolves the open handoffs and queues the agent's turn for the newest waiting message at once", async () => {
    const [row] = (await api("GET", "/conversations?state=waiting")).json().items;
    const pending = await database.db.message.findFirstOrThrow({ where: { conversationId: row.id, status: "received" } });
    const res = await api("POST", `/conversations/${row.id}/resume`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ agentPaused: false, handoff: null, state: "open" });
    expect(await database.db.handoff.count({ where: { conversationId: row.id, status: { not: "resolved" } } })).toBe(0);
    const queue = new Queue(TURN_QUEUE, { connection: queues.redis, prefix: queues.prefix });
    const job = await queue.getJob(turnJobId(pending.id));
    await queue.close();
    expect(job?.data).toEqual({ businessId: shop.businessId, conversationId: row.id, messageId: pending.id });
    // The job holds ids only: no text, no phone number.
    expect(JSON.stringify(job?.data)).not.toContain("croissants");
  });

  it("keeps unread per API key: reading moves only the reader's marker, and a new customer message makes it unread again", async () => {
    const second = await issueApiKey(t.store.apiKeys, { businessId: shop.businessId, name: "shop assistant" });
    const secondAuth = `Bearer ${second.key}`;
    const id = shop.conversationId;
    expect((await api("GET", `/conversations/${id}`)).json().unread).toBe(true);
    const marked = await api("POST", `/conversations/${id}/read`, {});
    expect(marked.statusCode).toBe(200);
    expect(marked.json().lastReadSeq).toBeGreaterThan(0);
    expect((await api("GET", `/conversations/${id}`)).json().unread).toBe(false);
    expect((await api("GET", `/conversations/${id}`, undefined, secondAuth)).json().unread).toBe(true);
    // The marker never moves back, and never past the conversation's newest message.
    expect((await api("POST", `/conversations/${id}/read`, { seq: 0 })).json().lastReadSeq).toBe(marked.json().lastReadSeq);
    expect((await api("POST", `/conversations/${id}/read`, { seq: 10 ** 9 })).json().lastReadSeq).toBe(marked.json().lastReadSeq);
    const ana = await database.db.contact.findUniqueOrThrow({ where: { id: shop.contactId } });
    await customerWrites("One more question", ana.platformUserId);
    expect((await api("GET", `/conversations/${id}`)).json().unread).toBe(true);
    expect((await api("POST", `/conversations/${id}/read`, { seq: "x" })).statusCode).toBe(400);
  });

  it("finds conversations by name or by message words, within the business only", async () => {
    await customerWrites("Do you sell sourdough croissants?", undefined, "Chen", other.channelKey);
    const byWord = (await api("GET", "/conversations?q=croiss")).json().items;
    expect(byWord.map((c: { contact: { displayName: string } }) => c.contact.displayName)).toEqual(["Bruno"]);
    expect((await api("GET", "/conversations?q=bru")).json().items.map((c: { contact: { displayName: string } }) => c.contact.displayName)).toEqual([
      "Bruno",
    ]);
    expect((await api("GET", `/conversations?q=${encodeURIComponent("rye bread")}`)).json().items.map((c: { id: string }) => c.id)).toEqual([
      shop.conversationId,
    ]);
    // Query syntax typed into the box is only words.
    expect((await api("GET", `/conversations?q=${encodeURIComponent("croiss:* | !&")}`)).statusCode).toBe(200);
    expect((await api("GET", "/conversations?q=Chen")).json().items).toEqual([]);
    expect((await api("GET", `/conversations?q=${"x".repeat(101)}`)).statusCode).toBe(400);
  });

  it("lets staff name a contact, cleaned and cut, and refuses another business's contact", async () => {
    const res = await api("PATCH", `/contacts/${shop.contactId}`, { displayName: "  Ana\u0000 (rye)\n " });
    expect(res.statusCode).toBe(200);
    expect(res.json().displayName).toBe("Ana (rye)");
    expect((await api("PATCH", `/contacts/${shop.contactId}`, { displayName: "y".repeat(200) })).json().displayName).toHaveLength(80);
    expect((await api("PATCH", `/contacts/${shop.contactId}`, { displayName: null })).json().displayName).toBeNull();
    expect((await api("PATCH", `/contacts/${shop.contactId}`, { displayName: 3 })).statusCode).toBe(400);
    expect((await api("PATCH", `/contacts/${other.contactId}`, { displayName: "Mine now" })).statusCode).toBe(404);
    expect((await database.db.contact.findUniqueOrThrow({ where: { id: other.contactId } })).displayName).toBe("Ana");
  });

  it("judges waiting messages again when the hours change: the old opening's mark goes", async () => {
    const waiting = await customerWrites("Are you open on Sunday?", undefined, "Eva");
    await database.db.conversation.update({ where: { id: waiting.conversationId }, data: { waitingUntil: new Date(Date.now() + 3_600_000) } });
    expect((await api("GET", `/conversations/${waiting.conversationId}`)).json()).toMatchObject({
      state: "waiting",
      waitingUntil: expect.any(String),
    });
    const put = await api("PUT", "/hours", { timezone: "UTC", openingHours: null, outsideHours: "away", awayMessage: null });
    expect(put.statusCode).toBe(200);
    expect((await api("GET", `/conversations/${waiting.conversationId}`)).json()).toMatchObject({ state: "open", waitingUntil: null });
    // Another business's marks stay.
    await database.db.conversation.update({ where: { id: other.conversationId }, data: { waitingUntil: new Date(Date.now() + 3_600_000) } });
    expect((await api("PUT", "/hours", { timezone: "UTC", openingHours: null, outsideHours: "answer", awayMessage: null })).statusCode).toBe(200);
    expect((await database.db.conversation.findUniqueOrThrow({ where: { id: other.conversationId } })).waitingUntil).not.toBeNull();
  });

  it("starts Try it chats that are listed apart from customers', and keeps every route inside its business", async () => {
    const started = await api("POST", "/try-it", { asIfOpen: true });
    expect(started.statusCode).toBe(201);
    const { conversationId, sessionId, channelKey, tryIt } = started.json();
    expect({ channelKey, tryIt }).toEqual({ channelKey: shop.channelKey, tryIt: "open" });
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // The owner's messages on that session land in the Try it conversation.
    const written = await customerWrites("Testing the agent", sessionId);
    expect(written.conversationId).toBe(conversationId);
    const tries = (await api("GET", "/conversations?tryIt=true")).json().items;
    expect(tries.map((c: { id: string; tryIt: string }) => [c.id, c.tryIt])).toEqual([[conversationId, "open"]]);
    expect((await api("GET", "/conversations?tryIt=false")).json().items.map((c: { id: string }) => c.id)).not.toContain(conversationId);

    // Another business's key sees none of it.
    for (const [method, url, body] of [
      ["GET", `/conversations/${conversationId}`],
      ["POST", `/conversations/${conversationId}/read`, {}],
      ["POST", `/conversations/${conversationId}/resume`],
    ] as const) {
      expect((await api(method, url, body, other.auth)).statusCode).toBe(404);
      expect((await api(method, url.replace(conversationId, conversationId), body, other.auth, other.businessId)).statusCode).toBe(404);
    }
    expect((await api("POST", "/try-it", {}, other.auth)).statusCode).toBe(404);
    expect((await api("GET", "/conversations?q=Testing", undefined, other.auth, other.businessId)).json().items).toEqual([]);
    expect(await database.db.conversationRead.count({ where: { conversationId } })).toBe(0);
  });
});
