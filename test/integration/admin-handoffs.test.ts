import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAdminTestApp, createAdminTestDatabase, seedShop, type AdminTestApp, type Shop } from "../../test-kit/admin-test-app.js";
import type { TestDatabase } from "../../test-kit/test-database.js";
import { errorFields } from "../../test-kit/error-fields.js";

// The admin API over handoffs and replaced replies, against a real database: filters, pages,
// resolving (with and without resuming the agent), and what each bad input gets.
let database: TestDatabase;
let t: AdminTestApp;
let shop: Shop;
const ids: Record<"refund" | "failed" | "safety", string> = { refund: "", failed: "", safety: "" };

const api = (method: "GET" | "POST", url: string, payload?: unknown) =>
  t.app.inject({
    method,
    url: `/api/admin/businesses/${shop.businessId}${url}`,
    headers: { authorization: shop.auth },
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });

beforeAll(async () => {
  database = await createAdminTestDatabase();
  t = await buildAdminTestApp(database.db);
  shop = await seedShop(database.db, t.store, "shop-a");
  const db = database.db;
  const { businessId, conversationId, channelId } = shop;
  await db.conversation.update({ where: { id: conversationId }, data: { agentPaused: true, pausedBy: "handoff" } });
  const at = (s: number) => new Date(Date.UTC(2026, 10, 27, 10, 0, s));
  ids.refund = (
    await db.handoff.create({
      data: { businessId, conversationId, reason: "handoff:refund", notify: "admin", status: "notified", notifiedAt: at(1), createdAt: at(1) },
    })
  ).id;
  ids.failed = (
    await db.handoff.create({
      data: {
        businessId,
        conversationId,
        reason: "handoff:complaint",
        notify: "instagram:1784",
        status: "failed",
        error: "no enabled instagram channel",
        createdAt: at(2),
      },
    })
  ).id;
  ids.safety = (
    await db.handoff.create({
      data: { businessId, conversationId, reason: "safety:abuse", notify: "admin", status: "notified", notifiedAt: at(3), createdAt: at(3) },
    })
  ).id;
  for (const [i, reason] of ["system-prompt-leak", "blocklist: Crusty Corner", "claims-human"].entries()) {
    const reply = await db.message.create({
      data: { businessId, conversationId, channelId, direction: "outbound", text: `fallback ${i}`, status: "sent" },
    });
    await db.replyFlag.create({
      data: { businessId, conversationId, replyId: reply.id, reason, modelText: `model said ${i}`, createdAt: at(10 + i) },
    });
  }
});

afterAll(async () => {
  await t?.app.close();
  await database?.drop();
});

describe("GET /handoffs", () => {
  it("lists newest first, filters by status and conversation, and pages with a cursor", async () => {
    const all = await api("GET", "/handoffs");
    expect(all.statusCode).toBe(200);
    expect(all.json().items.map((h: { id: string }) => h.id)).toEqual([ids.safety, ids.failed, ids.refund]);
    expect(all.json().items[1]).toMatchObject({
      reason: "handoff:complaint",
      status: "failed",
      error: "no enabled instagram channel",
      agentPaused: true,
      notifiedAt: null,
      resolvedAt: null,
    });

    const failed = await api("GET", "/handoffs?status=failed");
    expect(failed.json().items.map((h: { id: string }) => h.id)).toEqual([ids.failed]);
    const mine = await api("GET", `/handoffs?conversationId=${shop.conversationId}&limit=2`);
    expect(mine.json().items.map((h: { id: string }) => h.id)).toEqual([ids.safety, ids.failed]);
    const next = await api("GET", `/handoffs?conversationId=${shop.conversationId}&limit=2&cursor=${mine.json().nextCursor}`);
    expect(next.json()).toEqual({ items: [expect.objectContaining({ id: ids.refund })], nextCursor: null });
  });

  it("refuses bad input with a 400 naming the field, and an unknown conversation with a 404", async () => {
    const bad = await api("GET", "/handoffs?status=closed&limit=0");
    expect(bad.statusCode).toBe(400);
    for (const field of ["query.status", "query.limit"]) expect(errorFields(bad.json())).toContain(field);
    const badCursor = await api("GET", "/handoffs?cursor=not-a-cursor");
    expect(badCursor.statusCode).toBe(400);
    expect(errorFields(badCursor.json())).toContain("query.cursor");
    const badId = await api("GET", "/handoffs?conversationId=123");
    expect(badId.statusCode).toBe(400);
    expect(errorFields(badId.json())).toContain("query.conversationId");
    const unknown = await api("GET", `/handoffs?conversationId=${randomUUID()}`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe("CONVERSATION_NOT_FOUND");
  });
});

describe("POST /handoffs/:handoffId/resolve", () => {
  it("resolves without resuming by default, so a person can keep answering", async () => {
    const res = await api("POST", `/handoffs/${ids.refund}/resolve`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: ids.refund, status: "resolved", agentPaused: true });
    expect(res.json().resolvedAt).toEqual(expect.any(String));
    expect(await database.db.conversation.findUniqueOrThrow({ where: { id: shop.conversationId } })).toMatchObject({
      agentPaused: true,
      pausedBy: "handoff",
    });
    // Resolving again changes nothing.
    const again = await api("POST", `/handoffs/${ids.refund}/resolve`, {});
    expect(again.json().resolvedAt).toBe(res.json().resolvedAt);
    const open = await api("GET", "/handoffs?status=open");
    expect(open.json().items.map((h: { id: string }) => h.id)).toEqual([ids.safety, ids.failed]);
  });

  it("resume: true lets the agent answer again, and resolves the conversation's other open handoffs", async () => {
    const res = await api("POST", `/handoffs/${ids.safety}/resolve`, { resume: true });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: "resolved", agentPaused: false });
    expect(await database.db.handoff.findUniqueOrThrow({ where: { id: ids.failed } })).toMatchObject({
      status: "resolved",
      resolvedAt: expect.any(Date),
    });
    expect((await api("GET", "/handoffs?status=open")).json().items).toEqual([]);
    expect(await database.db.conversation.findUniqueOrThrow({ where: { id: shop.conversationId } })).toMatchObject({
      agentPaused: false,
      pausedBy: null,
    });
    // A pause from the console says who paused; resuming clears it.
    expect((await api("POST", `/conversations/${shop.conversationId}/pause`)).statusCode).toBe(200);
    expect(await database.db.conversation.findUniqueOrThrow({ where: { id: shop.conversationId } })).toMatchObject({
      agentPaused: true,
      pausedBy: "admin",
    });
    expect((await api("POST", `/conversations/${shop.conversationId}/resume`)).statusCode).toBe(200);
    expect(await database.db.conversation.findUniqueOrThrow({ where: { id: shop.conversationId } })).toMatchObject({
      agentPaused: false,
      pausedBy: null,
    });
  });

  it("refuses a bad body or id with a 400 and an unknown handoff with a 404, changing nothing", async () => {
    const before = await database.db.handoff.findMany({ orderBy: { id: "asc" } });
    const bad = await api("POST", `/handoffs/${ids.failed}/resolve`, { resume: "yes" });
    expect(bad.statusCode).toBe(400);
    expect(errorFields(bad.json())).toContain("body.resume");
    const badId = await api("POST", "/handoffs/42/resolve");
    expect(badId.statusCode).toBe(400);
    expect(errorFields(badId.json())).toContain("params.handoffId");
    const unknown = await api("POST", `/handoffs/${randomUUID()}/resolve`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe("HANDOFF_NOT_FOUND");
    expect(await database.db.handoff.findMany({ orderBy: { id: "asc" } })).toEqual(before);
  });
});

describe("GET /reply-flags", () => {
  it("lists what the model said next to what was sent instead, newest first, in pages", async () => {
    const first = await api("GET", "/reply-flags?limit=2");
    expect(first.statusCode).toBe(200);
    expect(first.json().items).toEqual([
      expect.objectContaining({ conversationId: shop.conversationId, reason: "claims-human", modelText: "model said 2", sentText: "fallback 2" }),
      expect.objectContaining({ reason: "blocklist: Crusty Corner", modelText: "model said 1", sentText: "fallback 1" }),
    ]);
    const rest = await api("GET", `/reply-flags?limit=2&cursor=${first.json().nextCursor}`);
    expect(rest.json()).toEqual({ items: [expect.objectContaining({ reason: "system-prompt-leak" })], nextCursor: null });
  });

  it("refuses a bad page size, a bad cursor and an unknown conversation", async () => {
    const bad = await api("GET", "/reply-flags?limit=500");
    expect(bad.statusCode).toBe(400);
    expect(errorFields(bad.json())).toContain("query.limit");
    expect((await api("GET", "/reply-flags?cursor=%%%")).statusCode).toBe(400);
    expect((await api("GET", `/reply-flags?conversationId=${randomUUID()}`)).statusCode).toBe(404);
  });
});
