import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KNOWLEDGE_LIMITS } from "../../src/adapters/http/admin/routes/knowledge-routes.js";
import { buildAdminTestApp, createAdminTestDatabase, seedShop, type AdminTestApp, type Shop } from "../../test-kit/admin-test-app.js";
import type { TestDatabase } from "../../test-kit/test-database.js";
import { errorFields } from "../../test-kit/error-fields.js";

// FAQ entries and short documents of a business, through the admin API on a real PostgreSQL.
let database: TestDatabase;
let t: AdminTestApp;
let shop: Shop;

type Method = "GET" | "POST" | "PATCH" | "DELETE";
const api = (method: Method, url: string, payload?: object) =>
  t.app.inject({
    method,
    url: `/api/admin/businesses/${shop.businessId}/knowledge${url}`,
    headers: { authorization: shop.auth },
    ...(payload ? { payload } : {}),
  });

beforeAll(async () => {
  database = await createAdminTestDatabase();
  t = await buildAdminTestApp(database.db);
  shop = await seedShop(database.db, t.store, "shop-k");
});

afterAll(async () => {
  await t?.app.close();
  await database?.drop();
});

describe("knowledge entries", () => {
  it("creates, lists, gets, edits and deletes an entry", async () => {
    const created = await api("POST", "", { kind: "faq", title: "  Do you  deliver? ", body: "Within 5 km,\r\nfor orders over 25 euros.  " });
    expect(created.statusCode).toBe(201);
    const entry = created.json();
    // Titles are one line; bodies keep their lines with the line ends made \n.
    expect(entry).toMatchObject({
      businessId: shop.businessId,
      kind: "faq",
      title: "Do you deliver?",
      body: "Within 5 km,\nfor orders over 25 euros.",
    });
    expect((await api("GET", "")).json().items.map((e: { id: string }) => e.id)).toEqual([entry.id]);
    expect((await api("GET", `/${entry.id}`)).json()).toEqual(entry);

    const edited = await api("PATCH", `/${entry.id}`, { body: "Within 5 km for orders over 25 euros; 3 euros." });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ title: "Do you deliver?", body: "Within 5 km for orders over 25 euros; 3 euros." });
    // The worker's cache notices an edit by updatedAt.
    expect(new Date(edited.json().updatedAt).getTime()).toBeGreaterThan(new Date(entry.updatedAt).getTime());

    expect((await api("DELETE", `/${entry.id}`)).statusCode).toBe(204);
    expect((await api("GET", `/${entry.id}`)).json()).toEqual({ error: { code: "KNOWLEDGE_ENTRY_NOT_FOUND", message: "no such knowledge entry" } });
    expect((await api("DELETE", `/${entry.id}`)).statusCode).toBe(404);
    expect((await api("PATCH", `/${randomUUID()}`, { title: "x" })).statusCode).toBe(404);
  });

  it("refuses bad input with a 400 naming the field, and stores nothing", async () => {
    const before = await database.db.knowledgeEntry.count();
    const cases: Array<[object, string]> = [
      [{ kind: "faq", title: "", body: "Yes." }, "body.title"],
      [{ kind: "faq", title: "x".repeat(KNOWLEDGE_LIMITS.titleChars + 1), body: "Yes." }, "body.title"],
      [{ kind: "faq", title: "Open?", body: "   " }, "body.body"],
      [{ kind: "document", title: "Menu", body: "x".repeat(KNOWLEDGE_LIMITS.documentBodyChars + 1) }, "body.body"],
      [{ kind: "faq", title: "Open?", body: "x".repeat(KNOWLEDGE_LIMITS.faqBodyChars + 1) }, "body.body"],
      [{ kind: "recipe", title: "Bread", body: "Flour." }, "body.kind"],
      [{ title: "Bread", body: "Flour." }, "body.kind"],
    ];
    for (const [payload, field] of cases) {
      const res = await api("POST", "", payload);
      expect(res.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
      expect(errorFields(res.json())).toContain(field);
    }
    expect(await database.db.knowledgeEntry.count()).toBe(before);
  });

  it("accepts a document up to its limit, and keeps a FAQ answer within the FAQ limit on edit", async () => {
    const doc = await api("POST", "", { kind: "document", title: "Allergens", body: "y".repeat(KNOWLEDGE_LIMITS.documentBodyChars) });
    expect(doc.statusCode).toBe(201);
    const faq = (await api("POST", "", { kind: "faq", title: "Card?", body: "Yes." })).json();
    const tooLong = await api("PATCH", `/${faq.id}`, { body: "z".repeat(KNOWLEDGE_LIMITS.faqBodyChars + 1) });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().error).toMatchObject({ details: { field: "body.body", limit: KNOWLEDGE_LIMITS.faqBodyChars } });
    expect((await api("GET", `/${faq.id}`)).json().body).toBe("Yes.");
    expect(errorFields((await api("PATCH", `/${doc.json().id}`, { title: "" })).json())).toContain("body.title");
  });

  it("answers 400 for an entry id that is not a UUID", async () => {
    const res = await api("GET", "/not-a-uuid");
    expect(res.statusCode).toBe(400);
    expect(errorFields(res.json())).toContain("params.entryId");
  });

  it("stops at the per-business entry limit with a 422, storing nothing more", async () => {
    const have = await database.db.knowledgeEntry.count({ where: { businessId: shop.businessId } });
    await database.db.knowledgeEntry.createMany({
      data: Array.from({ length: KNOWLEDGE_LIMITS.entriesPerBusiness - have }, (_, i) => ({
        businessId: shop.businessId,
        kind: "faq" as const,
        title: `Q${i}`,
        body: "A.",
      })),
    });
    const res = await api("POST", "", { kind: "faq", title: "One more?", body: "No." });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe("KNOWLEDGE_FULL");
    expect(await database.db.knowledgeEntry.count({ where: { businessId: shop.businessId } })).toBe(KNOWLEDGE_LIMITS.entriesPerBusiness);
  });
});
