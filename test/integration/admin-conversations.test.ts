import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EncryptedChannelCredentials } from "../../src/domain/secrets/channel-credentials.js";
import { InboundRepository } from "../../src/adapters/storage/ingest/inbound-repository.js";
import { TurnRepository } from "../../src/adapters/storage/turn/turn-repository.js";
import { buildAdminTestApp, createAdminTestDatabase, seedShop, type AdminTestApp, type Shop } from "../../test-kit/admin-test-app.js";
import type { TestDatabase } from "../../test-kit/test-database.js";
import { errorFields } from "../../test-kit/error-fields.js";

// Channels (credentials sealed, never returned), conversations (filters, pages, transcript),
// human takeover and contacts, against a real database.
let database: TestDatabase;
let t: AdminTestApp;
let shop: Shop;
const TOKEN = "EAAGsecretAccessToken1234";

type Method = "GET" | "POST" | "PATCH" | "DELETE";
const api = (method: Method, url: string, payload?: object, app = t.app) =>
  app.inject({
    method,
    url: `/api/admin/businesses/${shop.businessId}${url}`,
    headers: { authorization: shop.auth },
    ...(payload ? { payload } : {}),
  });

async function customerWrites(text: string, channelKey = shop.channelKey, senderId = randomBytes(12).toString("hex")) {
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
  });
}

beforeAll(async () => {
  database = await createAdminTestDatabase();
  t = await buildAdminTestApp(database.db);
  t.graph.grant(TOKEN, { whatsapp: ["106540352242922"], instagram: "17841405822304914" });
  shop = await seedShop(database.db, t.store, "shop-a");
});

afterAll(async () => {
  await t?.app.close();
  await database?.drop();
});

describe("channels", () => {
  it("adds a WhatsApp Cloud channel with credentials sealed at rest and never returned", async () => {
    const res = await api("POST", "/channels", {
      kind: "whatsapp_cloud",
      platformAccountId: "106540352242922",
      name: "Shop WhatsApp",
      credentials: { accessToken: TOKEN, appSecret: "app-secret-value" },
    });
    expect(res.statusCode).toBe(201);
    const channel = res.json();
    expect(channel).toMatchObject({
      kind: "whatsapp_cloud",
      platformAccountId: "106540352242922",
      name: "Shop WhatsApp",
      enabled: true,
      hasCredentials: true,
    });
    expect(res.body).not.toContain(TOKEN);
    expect(res.body).not.toContain("app-secret-value");
    expect(Object.keys(channel)).not.toContain("credentialsRef");

    const row = await database.db.channel.findUniqueOrThrow({ where: { id: channel.id } });
    const secret = await database.db.channelSecret.findUniqueOrThrow({ where: { id: row.credentialsRef! } });
    expect(Buffer.from(secret.ciphertext).toString("latin1")).not.toContain(TOKEN);
    // The worker's resolver opens it with the same key.
    const resolver = new EncryptedChannelCredentials(async () => secret, t.secretsKey);
    expect(await resolver.getCredentials(row)).toEqual({ accessToken: TOKEN, appSecret: "app-secret-value", verifyToken: "" });

    const list = await api("GET", "/channels");
    expect(list.body).not.toContain(TOKEN);
    expect(
      list
        .json()
        .items.map((c: { kind: string }) => c.kind)
        .sort(),
    ).toEqual(["webchat", "whatsapp_cloud"]);
  });

  it("requires credentials for Meta channels, names the field, and refuses them without a secrets key", async () => {
    const missing = await api("POST", "/channels", { kind: "instagram", platformAccountId: "17841405822304914" });
    expect(missing.statusCode).toBe(400);
    expect(errorFields(missing.json())).toContain("body.credentials");
    const noKey = await buildAdminTestApp(database.db, { channelSecretsKey: undefined });
    try {
      const res = await api(
        "POST",
        "/channels",
        { kind: "instagram", platformAccountId: "17841405822304914", credentials: { accessToken: TOKEN } },
        noKey.app,
      );
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe("SECRETS_KEY_NOT_CONFIGURED");
      expect(await database.db.channel.count({ where: { platformAccountId: "17841405822304914" } })).toBe(0);
    } finally {
      await noKey.app.close();
    }
  });

  it("adds web chat and whatsapp-web channels; an account already connected is 409", async () => {
    const web = await api("POST", "/channels", { kind: "webchat", platformAccountId: "corner-shop", personaId: shop.personaId });
    expect(web.json()).toMatchObject({ kind: "webchat", name: "Web chat", personaId: shop.personaId, hasCredentials: false });
    const wweb = await api("POST", "/channels", { kind: "whatsapp_web", platformAccountId: "+34600000000", allowGroups: true });
    expect(wweb.json()).toMatchObject({ kind: "whatsapp_web", allowGroups: true, hasCredentials: false });
    const again = await api("POST", "/channels", { kind: "webchat", platformAccountId: "corner-shop" });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe("CHANNEL_TAKEN");
    const badKind = await api("POST", "/channels", { kind: "telegram", platformAccountId: "x" });
    expect(badKind.statusCode).toBe(400);
    expect(errorFields(badKind.json())).toContain("body.kind");
  });

  it("disables, re-enables and deletes a channel", async () => {
    const created = (await api("POST", "/channels", { kind: "webchat", platformAccountId: "to-delete" })).json();
    expect((await api("PATCH", `/channels/${created.id}`, { enabled: false })).json().enabled).toBe(false);
    expect((await api("PATCH", `/channels/${created.id}`, { enabled: true, name: "Renamed" })).json()).toMatchObject({
      enabled: true,
      name: "Renamed",
    });
    expect((await api("DELETE", `/channels/${created.id}`)).statusCode).toBe(204);
    expect((await api("GET", `/channels/${created.id}`)).statusCode).toBe(404);
    expect((await api("DELETE", `/channels/${created.id}`)).statusCode).toBe(404);
  });
});

describe("conversations", () => {
  it("pages through conversations newest first with a cursor, no gaps or repeats", async () => {
    for (let i = 0; i < 5; i++) await customerWrites(`hello ${i}`);
    const total = await database.db.conversation.count({ where: { businessId: shop.businessId } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api("GET", `/conversations?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.statusCode).toBe(200);
      seen.push(...res.json().items.map((c: { id: string }) => c.id));
      cursor = res.json().nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    const rows = await database.db.conversation.findMany({
      where: { businessId: shop.businessId },
      orderBy: [{ lastMessageAt: "desc" }, { id: "desc" }],
      select: { id: true },
    });
    expect(seen).toEqual(rows.map((r) => r.id));
    const bad = await api("GET", "/conversations?cursor=garbage&status=sleeping&limit=0");
    expect(bad.statusCode).toBe(400);
    for (const field of ["query.status", "query.limit"]) expect(errorFields(bad.json())).toContain(field);
    const badCursor = await api("GET", "/conversations?cursor=garbage");
    expect(errorFields(badCursor.json())).toContain("query.cursor");
  });

  it("filters by status, unanswered and channel", async () => {
    const answered = await customerWrites("answered already");
    await database.db.message.update({ where: { id: answered.messageId }, data: { status: "answered" } });
    await api("POST", `/conversations/${shop.conversationId}/pause`);
    const paused = (await api("GET", "/conversations?status=paused")).json().items;
    expect(paused.map((c: { id: string }) => c.id)).toEqual([shop.conversationId]);
    const active = (await api("GET", "/conversations?status=active")).json().items.map((c: { id: string }) => c.id);
    expect(active).not.toContain(shop.conversationId);
    const unanswered = (await api("GET", "/conversations?unanswered=true&limit=200")).json().items;
    expect(unanswered.map((c: { id: string }) => c.id)).not.toContain(answered.conversationId);
    expect(unanswered.every((c: { unansweredCount: number }) => c.unansweredCount > 0)).toBe(true);
    const done = (await api("GET", "/conversations?unanswered=false&limit=200")).json().items;
    expect(done.map((c: { id: string }) => c.id)).toEqual([answered.conversationId]);
    const byChannel = (await api("GET", `/conversations?channelId=${shop.channelId}&limit=200`)).json().items;
    expect(byChannel.length).toBeGreaterThan(1);
    await api("POST", `/conversations/${shop.conversationId}/resume`);
  });

  it("takes over: pause, a human reply stored with its outbox and delivered, pending messages answered, resume", async () => {
    const sender = randomBytes(12).toString("hex");
    const first = await customerWrites("Is the cake ready?", shop.channelKey, sender);
    const second = await customerWrites("I'm outside", shop.channelKey, sender);
    const conversationId = first.conversationId;
    expect((await api("GET", `/conversations/${conversationId}`)).json()).toMatchObject({ agentPaused: false, unansweredCount: 2 });

    const paused = await api("POST", `/conversations/${conversationId}/pause`);
    expect(paused.json()).toMatchObject({ agentPaused: true, pausedBy: "admin", pausedUntil: null });
    const sent = await api("POST", `/conversations/${conversationId}/messages`, { text: "  Hi, this is Marta from the bakery: coming out now!  " });
    expect(sent.statusCode).toBe(202);
    const reply = sent.json();
    expect(reply).toMatchObject({ answeredCount: 2, delivery: "queued" });
    expect(t.delivered).toContain(reply.outboxId);

    const stored = await database.db.message.findUniqueOrThrow({ where: { id: reply.messageId }, include: { outbox: true } });
    expect(stored).toMatchObject({
      direction: "outbound",
      status: "pending",
      text: "Hi, this is Marta from the bakery: coming out now!",
      conversationId,
    });
    expect(stored.outbox).toMatchObject({ id: reply.outboxId, status: "pending" });
    for (const id of [first.messageId, second.messageId]) {
      expect(await database.db.message.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "answered", replyId: reply.messageId });
    }
    // The agent has nothing left to answer.
    expect((await new TurnRepository(database.db).loadTurn(conversationId))?.pendingIds).toEqual([]);

    const transcript = await api("GET", `/conversations/${conversationId}/messages`);
    expect(transcript.json().items.map((m: { author: string; direction: string; status: string }) => [m.author, m.direction, m.status])).toEqual([
      ["customer", "inbound", "answered"],
      ["customer", "inbound", "answered"],
      ["human", "outbound", "pending"],
    ]);
    expect(transcript.json().items.map((m: { seq: number }) => m.seq)).toEqual(
      [...transcript.json().items.map((m: { seq: number }) => m.seq)].sort((x, y) => x - y),
    );
    expect(transcript.json().nextAfter).toBeNull();
    const page = await api("GET", `/conversations/${conversationId}/messages?limit=2`);
    expect(page.json().items).toHaveLength(2);
    const rest = await api("GET", `/conversations/${conversationId}/messages?after=${page.json().nextAfter}`);
    expect(rest.json().items.map((m: { id: string }) => m.id)).toEqual([reply.messageId]);

    const resumed = await api("POST", `/conversations/${conversationId}/resume`);
    expect(resumed.json()).toMatchObject({ agentPaused: false, pausedBy: null, pausedUntil: null, unansweredCount: 0 });
  });

  it("stores the reply even when delivery cannot be reached, and says so", async () => {
    const down = await buildAdminTestApp(database.db, {
      deliver: async () => {
        throw new Error("queue down");
      },
    });
    try {
      const res = await api("POST", `/conversations/${shop.conversationId}/messages`, { text: "Still there?" }, down.app);
      expect(res.statusCode).toBe(202);
      expect(res.json().delivery).toBe("deferred");
      expect(await database.db.outboxEntry.findUnique({ where: { id: res.json().outboxId } })).toMatchObject({ status: "pending" });
    } finally {
      await down.app.close();
    }
  });

  it("refuses empty, too long or non-text messages, and sending on a disabled channel", async () => {
    const url = `/conversations/${shop.conversationId}/messages`;
    const before = await database.db.message.count();
    const empty = await api("POST", url, { text: " \n " });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error).toMatchObject({ code: "TEXT_EMPTY", field: "body.text", message: "Text is empty." });
    expect((await api("POST", url, { text: "x".repeat(501) })).statusCode).toBe(413);
    const notText = await api("POST", url, { text: 7 });
    expect(notText.statusCode).toBe(400);
    expect(errorFields(notText.json())).toContain("body.text");
    await database.db.channel.update({ where: { id: shop.channelId }, data: { enabled: false } });
    try {
      const disabled = await api("POST", url, { text: "hello" });
      expect(disabled.statusCode).toBe(409);
      expect(disabled.json().error.code).toBe("CHANNEL_DISABLED");
    } finally {
      await database.db.channel.update({ where: { id: shop.channelId }, data: { enabled: true } });
    }
    expect(await database.db.message.count()).toBe(before);
  });
});

describe("contacts", () => {
  it("lists and shows contacts, hiding web chat session ids but not phone numbers", async () => {
    const list = await api("GET", "/contacts?limit=200");
    expect(list.statusCode).toBe(200);
    const contacts = list.json().items;
    expect(contacts.length).toBeGreaterThan(1);
    expect(contacts.every((c: { platformUserId: string | null }) => c.platformUserId === null)).toBe(true);
    const session = await database.db.contact.findUniqueOrThrow({ where: { id: shop.contactId } });
    expect(list.body).not.toContain(session.platformUserId);

    const wa = await api("POST", "/channels", { kind: "whatsapp_web", platformAccountId: "+34911111111" });
    const contact = await database.db.contact.create({
      data: { businessId: shop.businessId, channelId: wa.json().id, platformUserId: "34600111222", displayName: "Luis" },
    });
    const shown = await api("GET", `/contacts/${contact.id}`);
    expect(shown.json()).toMatchObject({ platformUserId: "34600111222", displayName: "Luis", channel: { kind: "whatsapp_web" }, conversations: [] });
    const detail = await api("GET", `/contacts/${shop.contactId}`);
    expect(detail.json().conversations.map((c: { id: string }) => c.id)).toEqual([shop.conversationId]);
    const byChannel = await api("GET", `/contacts?channelId=${wa.json().id}`);
    expect(byChannel.json().items.map((c: { id: string }) => c.id)).toEqual([contact.id]);
  });
});
