import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPersonaFile } from "../../src/domain/personas/persona-file.js";
import { buildAdminTestApp, createAdminTestDatabase, ownerAuth, seedShop, type AdminTestApp, type Shop } from "../../test-kit/admin-test-app.js";
import type { TestDatabase } from "../../test-kit/test-database.js";

// Tenant isolation across EVERY admin route: business A's key never reaches business B's data.
// The case table below must name every registered route (checked against Fastify's onRoute),
// so a new route without an isolation case fails this file.

type Ids = Record<
  "businessId" | "personaId" | "version" | "channelId" | "conversationId" | "contactId" | "keyId" | "handoffId" | "entryId" | "sessionId",
  string
>;
type Smuggled = { ids: Ids; query?: Record<string, string>; body?: unknown };
interface Case {
  /** A valid body (so a 404 comes from scoping, not validation). */
  body?: (own: Shop) => unknown;
  query?: (ids: Ids) => Record<string, string>;
  /** Owner-only routes answer a business key 403, whatever the ids. */
  ownerOnly?: true;
  /** The list of businesses: a business key sees only its own. */
  list?: true;
  /** Extra requests that smuggle B's ids in through the query or the body, on A's own business. */
  smuggle?: (a: Ids, b: Ids) => Smuggled[];
  /** A Server-Sent Events stream: the positive control reads its headers and hangs up. */
  stream?: true;
  /** Ids for the positive control with A's key (routes that delete use spare rows). */
  own?: (a: Ids) => Ids;
  /**
   * About the calling key itself (its sign-ins, its alerts), not a business: what names B's things
   * (a session id in the path, B's push endpoint in `otherBody`) is 404; what names nothing must not
   * show any of B's ids.
   */
  self?: { otherBody?: () => unknown };
}

let database: TestDatabase;
let t: AdminTestApp;
let a: Shop;
let b: Shop;
let owner: string;
let spareChannelId: string;
let spareKeyId: string;
let spareContactId: string;
/** One handoff (and one replaced reply) per business, by business id. */
const handoffOf = new Map<string, string>();
let spareEntryId: string;
let spareSessionId: string;
let spareOwnerSessionId: string;
const sessionIds = new Map<string, string>();
/** A push subscription endpoint of each business's key. */
const endpoints = new Map<string, string>();
const subscriptionKeys = { p256dh: `B${"A".repeat(86)}`, auth: "AAAAAAAAAAAAAAAAAAAAAA" };
const entryIds = new Map<string, string>();
const PREFIX = "/api/admin";
const uniq = () => randomUUID().slice(0, 8);
const bakery = await readPersonaFile("prompts/support-bakery.md");
const personaBody = (voice: string) => ({ settings: bakery.settings, voice });

const CASES: Record<string, Case> = {
  "GET /businesses": { list: true },
  "POST /businesses": { ownerOnly: true, body: () => ({ slug: `shop-${uniq()}`, name: "New shop" }) },
  "GET /businesses/:businessId": {},
  "PATCH /businesses/:businessId": { body: () => ({ name: "Renamed", timezone: "Europe/Madrid" }) },
  "GET /businesses/:businessId/hours": {},
  "PUT /businesses/:businessId/hours": {
    body: () => ({
      timezone: "Europe/Madrid",
      openingHours: { mon: [["09:00", "18:00"]], sat: [["22:00", "02:00"]] },
      outsideHours: "away",
      awayMessage: "Closed, back {opens}.",
    }),
  },
  "GET /businesses/:businessId/settings": {},
  "PUT /businesses/:businessId/settings": {
    body: () => ({
      nonTextReply: "Text only, please.",
      ownerQuietMinutes: 10,
      turnDebounceMs: 500,
      replyMaxTokens: 100,
      temperature: 0.3,
      knowledgeBudgetTokens: 200,
    }),
  },
  "GET /businesses/:businessId/personas": {},
  "POST /businesses/:businessId/personas": { body: () => ({ name: `P ${uniq()}`, persona: personaBody("You are helpful.") }) },
  "POST /businesses/:businessId/personas/parse-file": { body: () => ({ markdown: readFileSync("prompts/support-bakery.md", "utf8") }) },
  "GET /businesses/:businessId/personas/:personaId": {},
  "GET /businesses/:businessId/personas/:personaId/versions": {},
  "POST /businesses/:businessId/personas/:personaId/versions": { body: () => ({ persona: personaBody("You are terse.") }) },
  "GET /businesses/:businessId/personas/:personaId/versions/:version/file": {},
  "GET /businesses/:businessId/personas/:personaId/versions/:version": {},
  "POST /businesses/:businessId/personas/:personaId/versions/:version/activate": {},
  "POST /businesses/:businessId/personas/:personaId/rollback": { body: () => ({ version: 1 }) },
  "GET /businesses/:businessId/personas/:personaId/diff": { query: () => ({ from: "1", to: "1" }) },
  "GET /businesses/:businessId/channels": {},
  "POST /businesses/:businessId/channels": {
    body: () => ({ kind: "webchat", platformAccountId: `chat-${uniq()}` }),
    smuggle: (ownIds, other) => [{ ids: ownIds, body: { kind: "webchat", platformAccountId: `chat-${uniq()}`, personaId: other.personaId } }],
  },
  "GET /businesses/:businessId/channels/:channelId": {},
  "PATCH /businesses/:businessId/channels/:channelId": {
    body: () => ({ enabled: true }),
    smuggle: (ownIds, other) => [{ ids: ownIds, body: { personaId: other.personaId } }],
  },
  "DELETE /businesses/:businessId/channels/:channelId": { own: (ids) => ({ ...ids, channelId: spareChannelId }) },
  "GET /businesses/:businessId/conversations": {
    smuggle: (ownIds, other): Smuggled[] => [
      { ids: ownIds, query: { channelId: other.channelId } },
      { ids: ownIds, query: { contactId: other.contactId } },
    ],
  },
  "GET /businesses/:businessId/conversations/:conversationId": {},
  "GET /businesses/:businessId/conversations/:conversationId/messages": {},
  "POST /businesses/:businessId/conversations/:conversationId/pause": {},
  "POST /businesses/:businessId/conversations/:conversationId/resume": {},
  "POST /businesses/:businessId/conversations/:conversationId/read": { body: () => ({}) },
  "POST /businesses/:businessId/try-it": {
    body: () => ({ asIfOpen: false }),
    smuggle: (ownIds, other) => [{ ids: ownIds, body: { asIfOpen: true, channelId: other.channelId } }],
  },
  "POST /businesses/:businessId/conversations/:conversationId/messages": { body: () => ({ text: "A person here, how can I help?" }) },
  "GET /businesses/:businessId/handoffs": {
    query: () => ({ status: "open" }),
    smuggle: (ownIds, other) => [{ ids: ownIds, query: { conversationId: other.conversationId } }],
  },
  "POST /businesses/:businessId/handoffs/:handoffId/resolve": { body: () => ({ resume: true }) },
  "GET /businesses/:businessId/reply-flags": { smuggle: (ownIds, other) => [{ ids: ownIds, query: { conversationId: other.conversationId } }] },
  "GET /businesses/:businessId/contacts": { smuggle: (ownIds, other) => [{ ids: ownIds, query: { channelId: other.channelId } }] },
  "GET /businesses/:businessId/contacts/:contactId": {},
  "PATCH /businesses/:businessId/contacts/:contactId": { body: () => ({ displayName: "Ana" }) },
  "POST /businesses/:businessId/contacts/:contactId/erase": { own: (ids) => ({ ...ids, contactId: spareContactId }) },
  "GET /businesses/:businessId/events": { stream: true },
  "GET /businesses/:businessId/knowledge": {},
  "POST /businesses/:businessId/knowledge": { body: () => ({ kind: "faq", title: "Do you open on Sundays?", body: "Yes, 8:00 to 14:00." }) },
  "GET /businesses/:businessId/knowledge/:entryId": {},
  "PATCH /businesses/:businessId/knowledge/:entryId": { body: () => ({ body: "Open every day." }) },
  "DELETE /businesses/:businessId/knowledge/:entryId": { own: (ids) => ({ ...ids, entryId: spareEntryId }) },
  // Before the api-keys routes: the positive control of DELETE /api-keys/:keyId revokes A's key.
  "GET /api-keys/:keyId/sessions": { ownerOnly: true },
  "DELETE /api-keys/:keyId/sessions/:sessionId": { ownerOnly: true, own: (ids) => ({ ...ids, sessionId: spareOwnerSessionId }) },
  "GET /session": { self: {} },
  "GET /sessions": { self: {} },
  "DELETE /sessions/:sessionId": { self: {}, own: (ids) => ({ ...ids, sessionId: spareSessionId }) },
  "GET /alerts": { self: {} },
  "PUT /alerts": { self: {}, body: () => ({ handoffs: true, waiting: false }) },
  "POST /alerts/subscriptions": { self: {}, body: () => ({ endpoint: `https://push.example/${uniq()}`, keys: subscriptionKeys }) },
  "DELETE /alerts/subscriptions": {
    self: { otherBody: () => ({ endpoint: endpoints.get(b.businessId) }) },
    body: () => ({ endpoint: endpoints.get(a.businessId) }),
  },
  "GET /api-keys": { ownerOnly: true, query: (ids) => ({ businessId: ids.businessId }) },
  "POST /api-keys": { ownerOnly: true, body: (shop) => ({ name: "another", businessId: shop.businessId }) },
  "DELETE /api-keys/:keyId": { ownerOnly: true, own: (ids) => ({ ...ids, keyId: spareKeyId }) },
};
// Sign-in (a key for a cookie) and sign-out answer anyone; console-sessions.test.ts covers them.
// The document and the docs page (@fastify/swagger-ui: the page, its assets, the document again) too.
const PUBLIC = ["GET /openapi.json", "POST /session", "DELETE /session"];
const isPublic = (route: string) => PUBLIC.includes(route) || / \/docs(\/|$)/.test(route);

const idsOf = (shop: Shop): Ids => ({
  businessId: shop.businessId,
  personaId: shop.personaId,
  version: "1",
  channelId: shop.channelId,
  conversationId: shop.conversationId,
  contactId: shop.contactId,
  keyId: shop.keyId,
  handoffId: handoffOf.get(shop.businessId)!,
  entryId: entryIds.get(shop.businessId)!,
  sessionId: sessionIds.get(shop.businessId)!,
});
const randomIds = (): Ids => ({
  businessId: randomUUID(),
  personaId: randomUUID(),
  version: "999",
  channelId: randomUUID(),
  conversationId: randomUUID(),
  contactId: randomUUID(),
  keyId: randomUUID(),
  handoffId: randomUUID(),
  entryId: randomUUID(),
  sessionId: randomUUID(),
});
const fill = (path: string, ids: Ids) => path.replace(/:([A-Za-z]+)/g, (_m, name: keyof Ids) => ids[name]);

async function call(key: string, method: string, path: string, ids: Ids, c: Case, extra: { query?: Record<string, string>; body?: unknown } = {}) {
  const query = new URLSearchParams({ ...c.query?.(ids), ...extra.query }).toString();
  const body = extra.body ?? c.body?.(a);
  return t.app.inject({
    method: method as "GET",
    url: `${PREFIX}${fill(path, ids)}${query ? `?${query}` : ""}`,
    headers: { authorization: key },
    ...(body !== undefined && method !== "GET" ? { payload: body as object } : {}),
  });
}

beforeAll(async () => {
  database = await createAdminTestDatabase();
  t = await buildAdminTestApp(database.db);
  a = await seedShop(database.db, t.store, "shop-a");
  b = await seedShop(database.db, t.store, "shop-b");
  owner = await ownerAuth(t.store);
  spareChannelId = (
    await database.db.channel.create({ data: { businessId: a.businessId, kind: "webchat", platformAccountId: "spare-a", name: "spare" } })
  ).id;
  spareKeyId = (await t.store.apiKeys.list(a.businessId))[0]!.id;
  const spare = await database.db.contact.create({ data: { businessId: a.businessId, channelId: a.channelId, platformUserId: `spare-${uniq()}` } });
  await database.db.conversation.create({ data: { businessId: a.businessId, channelId: a.channelId, contactId: spare.id } });
  spareContactId = spare.id;
  for (const shop of [a, b]) {
    const { businessId, conversationId, channelId } = shop;
    await database.db.conversation.update({ where: { id: conversationId }, data: { agentPaused: true, pausedBy: "handoff" } });
    handoffOf.set(
      businessId,
      (await database.db.handoff.create({ data: { businessId, conversationId, reason: "handoff:refund", notify: "admin", status: "notified" } })).id,
    );
    const reply = await database.db.message.create({
      data: { businessId, conversationId, channelId, direction: "outbound", text: "Sorry, I can't answer that here.", status: "sent" },
    });
    await database.db.replyFlag.create({
      data: { businessId, conversationId, replyId: reply.id, reason: "system-prompt-leak", modelText: "You are Rosa..." },
    });
  }
  for (const shop of [a, b])
    entryIds.set(shop.businessId, (await t.store.knowledge.create(shop.businessId, { kind: "faq", title: "Rye bread?", body: "Every day." })).id);
  spareEntryId = (await t.store.knowledge.create(a.businessId, { kind: "document", title: "spare", body: "spare" })).id;
  const session = async (keyId: string) => {
    const id = randomUUID();
    await t.store.consoleSessions.insert({
      id,
      apiKeyId: keyId,
      tokenHash: randomUUID(),
      device: "test",
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    return id;
  };
  for (const shop of [a, b]) {
    sessionIds.set(shop.businessId, await session(shop.keyId));
    const endpoint = `https://push.example/${shop.slug}`;
    await t.alerts.subscribe(shop.keyId, { endpoint, keys: subscriptionKeys });
    endpoints.set(shop.businessId, endpoint);
  }
  spareSessionId = await session(a.keyId);
  spareOwnerSessionId = await session(a.keyId);
});

afterAll(async () => {
  await t?.app.close();
  await database?.drop();
});

describe("admin API tenant isolation", () => {
  it("has an isolation case for every registered admin route, and no case for a route that does not exist", () => {
    const registered = t.routes
      .filter((r) => r.split(" ")[1]!.startsWith(PREFIX))
      .map((r) => r.replace(` ${PREFIX}`, " "))
      .filter((r) => !isPublic(r))
      .sort();
    expect(registered).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.keys(CASES))("%s: business A's key gets 404 for business B's ids", async (key) => {
    const [method, path] = key.split(" ") as [string, string];
    const c = CASES[key]!;
    const [own, other] = [idsOf(a), idsOf(b)];
    if (c.list) {
      const res = await call(a.auth, method, path, other, c);
      expect(res.statusCode).toBe(200);
      expect(res.json().items.map((x: { id: string }) => x.id)).toEqual([a.businessId]);
      return;
    }
    if (c.self && !path.includes(":sessionId")) {
      if (c.self.otherBody) {
        const res = await call(a.auth, method, path, own, c, { body: c.self.otherBody() });
        expect(res.statusCode).toBe(404);
        return;
      }
      const res = await call(a.auth, method, path, own, c);
      expect(res.statusCode, res.body).toBeLessThan(300);
      for (const id of [b.businessId, b.keyId, other.sessionId, endpoints.get(b.businessId)!]) expect(res.body).not.toContain(id);
      return;
    }
    if (c.ownerOnly) {
      for (const ids of [other, own]) {
        const res = await call(a.auth, method, path, ids, c, { body: c.body?.(b) });
        expect(res.statusCode).toBe(403);
        expect(res.json().error.code).toBe("OWNER_ONLY");
      }
      return;
    }
    // B's business with B's resources; A's business with B's resources; B's ids smuggled in elsewhere.
    const variants: Array<{ ids: Ids; query?: Record<string, string>; body?: unknown; like: Ids }> = [{ ids: other, like: randomIds() }];
    if (/:(personaId|channelId|conversationId|contactId|handoffId|entryId)/.test(path))
      variants.push({ ids: { ...other, businessId: own.businessId }, like: { ...randomIds(), businessId: own.businessId } });
    for (const s of c.smuggle?.(own, other) ?? []) variants.push({ ...s, like: own });
    for (const v of variants) {
      const res = await call(a.auth, method, path, v.ids, c, v);
      expect(res.statusCode, `${key} with ${JSON.stringify(v)}`).toBe(404);
      // Indistinguishable from an id that exists nowhere.
      if (!v.query && !v.body) {
        const unknown = await call(a.auth, method, path, v.like, c);
        expect(res.json()).toEqual(unknown.json());
      }
    }
  });

  it.each(Object.keys(CASES))("%s: the same request on its own business succeeds (positive control)", async (key) => {
    const [method, path] = key.split(" ") as [string, string];
    const c = CASES[key]!;
    const ids = c.own?.(idsOf(a)) ?? idsOf(a);
    if (c.stream) {
      const res = await t.app.inject({
        method: "GET",
        url: `${PREFIX}${fill(path, ids)}`,
        headers: { authorization: a.auth },
        payloadAsStream: true,
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toBe("text/event-stream");
      res.stream().destroy();
      return;
    }
    const res = await call(c.ownerOnly ? owner : a.auth, method, path, ids, c);
    expect(res.statusCode, res.body).toBeLessThan(300);
  });

  it("left business B untouched, and an owner key still sees it", async () => {
    const persona = await t.app.inject({ url: `${PREFIX}/businesses/${b.businessId}/personas/${b.personaId}`, headers: { authorization: owner } });
    expect(persona.statusCode).toBe(200);
    expect(persona.json()).toMatchObject({ versionCount: 1, activeVersion: { version: 1 } });
    const business = await t.app.inject({ url: `${PREFIX}/businesses/${b.businessId}`, headers: { authorization: b.auth } });
    expect(business.json()).toMatchObject({ name: "Sunrise Bakery", timezone: "UTC" });
    expect((await database.db.business.findUniqueOrThrow({ where: { id: b.businessId }, select: { settings: true } })).settings).toEqual({});
    const channel = await database.db.channel.findUniqueOrThrow({ where: { id: b.channelId } });
    expect(channel).toMatchObject({ enabled: true, personaId: b.personaId });
    expect(await database.db.channel.count({ where: { businessId: b.businessId } })).toBe(1);
    expect(await database.db.persona.count({ where: { businessId: b.businessId } })).toBe(1);
    const conversation = await database.db.conversation.findUniqueOrThrow({ where: { id: b.conversationId } });
    expect(conversation.agentPaused).toBe(true);
    expect(await database.db.handoff.findUniqueOrThrow({ where: { id: handoffOf.get(b.businessId)! } })).toMatchObject({
      status: "notified",
      resolvedAt: null,
    });
    expect(await database.db.message.count({ where: { businessId: b.businessId } })).toBe(2);
    expect(await database.db.knowledgeEntry.findMany({ where: { businessId: b.businessId }, select: { id: true, body: true } })).toEqual([
      { id: entryIds.get(b.businessId), body: "Every day." },
    ]);
    expect((await database.db.message.findUniqueOrThrow({ where: { id: b.inboundMessageId } })).status).toBe("received");
    expect(await database.db.contact.count({ where: { id: b.contactId } })).toBe(1);
    // Only the positive control's spare contact was erased; A's own contact is still there.
    expect(await database.db.erasureRequest.count()).toBe(1);
    expect(await database.db.contact.count({ where: { id: { in: [a.contactId, spareContactId] } } })).toBe(1);
    const key = await t.store.apiKeys.findById(b.keyId);
    expect(key?.revokedAt).toBeNull();
    expect(await t.store.consoleSessions.listLive(b.keyId, new Date())).toHaveLength(1);
    expect(await t.store.push.getSettings(b.keyId)).toEqual({ handoffs: true, waiting: true });
    expect(await t.store.push.countFor(b.keyId)).toBe(1);
    const all = await t.app.inject({ url: `${PREFIX}/businesses`, headers: { authorization: owner } });
    expect(all.json().items.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining([a.businessId, b.businessId]));
  });
});
