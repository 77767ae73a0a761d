import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/embedded/free-port.js";
import { adminRoutes } from "../../src/http/admin/routes/all-routes.js";
import { createDb } from "../../src/storage/create-db.js";
import { buildAdminTestApp, createAdminTestDatabase, MAX_PERSONA_TOKENS, ownerAuth, seedShop, type AdminTestApp, type Shop } from "../support/admin-test-app.js";
import type { TestDatabase } from "../support/test-database.js";

// Businesses, personas and their versions, the OpenAPI document and the docs page.
let database: TestDatabase;
let t: AdminTestApp;
let shop: Shop;
let owner: string;

type Method = "GET" | "POST" | "PATCH" | "DELETE";
const api = (method: Method, url: string, payload?: object, authorization = shop.auth) =>
  t.app.inject({ method, url: `/api/admin${url}`, headers: { authorization }, ...(payload ? { payload } : {}) });

beforeAll(async () => {
  database = await createAdminTestDatabase();
  t = await buildAdminTestApp(database.db);
  shop = await seedShop(database.db, t.store, "shop-a");
  owner = await ownerAuth(t.store);
});

afterAll(async () => {
  await t?.app.close();
  await database?.drop();
});

describe("businesses", () => {
  it("lets an owner create one; a taken slug is 409; bad fields are 400 and named", async () => {
    const created = await api("POST", "/businesses", { slug: "mia-bakes", name: " Mia  Bakes ", timezone: "Europe/Madrid" }, owner);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ slug: "mia-bakes", name: "Mia Bakes", timezone: "Europe/Madrid" });
    expect((await api("POST", "/businesses", { slug: "mia-bakes", name: "Again" }, owner)).statusCode).toBe(409);
    const bad = await api("POST", "/businesses", { slug: "Not A Slug", name: "", timezone: "Mars/Olympus" }, owner);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe("INVALID_REQUEST");
    for (const field of ["body.slug", "body.name", "body.timezone"]) expect(bad.json().error.message).toContain(field);
  });

  it("lets a business key rename its business and change its time zone", async () => {
    const res = await api("PATCH", `/businesses/${shop.businessId}`, { name: "Sunrise Bakery & Café", timezone: "America/New_York" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: shop.businessId, name: "Sunrise Bakery & Café", timezone: "America/New_York" });
    expect((await api("GET", `/businesses/${shop.businessId}`)).json().timezone).toBe("America/New_York");
  });

  it("answers 404 for a business that does not exist, even to an owner", async () => {
    const res = await api("GET", `/businesses/${randomUUID()}`, undefined, owner);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: "BUSINESS_NOT_FOUND", message: "no such business" } });
    const badId = await api("GET", "/businesses/not-a-uuid");
    expect(badId.statusCode).toBe(400);
    expect(badId.json().error.message).toContain("params.businessId");
  });
});

describe("personas", () => {
  const base = () => `/businesses/${shop.businessId}/personas`;

  it("creates a persona whose text is version 1, active, with its token count", async () => {
    const res = await api("POST", base(), { name: "Night shift", systemPrompt: "You are Luna.\nYou answer at night.\r\nBe brief." });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      name: "Night shift",
      template: null,
      versionCount: 1,
      activeVersion: { version: 1, active: true, systemPrompt: "You are Luna.\nYou answer at night.\nBe brief.", tokens: 9 },
    });
    expect((await api("POST", base(), { name: "Night shift", systemPrompt: "x" })).statusCode).toBe(409);
    const list = await api("GET", base());
    expect(list.json().items.map((p: { name: string }) => p.name)).toEqual(["Rosa", "Night shift"]);
    expect(list.json().items[1].activeVersion).not.toHaveProperty("systemPrompt");
  });

  it("edits by adding versions, lists them, diffs them, rolls back and activates", async () => {
    const created = (await api("POST", base(), { name: "Editor", systemPrompt: "line one\nline two\nline three" })).json();
    const url = `${base()}/${created.id}`;
    const v2 = await api("POST", `${url}/versions`, { systemPrompt: "line one\nline 2\nline three\nline four" });
    expect(v2.statusCode).toBe(201);
    expect(v2.json()).toMatchObject({ version: 2, active: true });
    const draft = await api("POST", `${url}/versions`, { systemPrompt: "draft", activate: false });
    expect(draft.json()).toMatchObject({ version: 3, active: false });
    expect((await api("GET", url)).json().activeVersion).toMatchObject({ version: 2 });

    const versions = (await api("GET", `${url}/versions`)).json().items;
    expect(versions.map((v: { version: number; active: boolean }) => [v.version, v.active])).toEqual([[3, false], [2, true], [1, false]]);
    expect((await api("GET", `${url}/versions/1`)).json().systemPrompt).toBe("line one\nline two\nline three");

    const diff = await api("GET", `${url}/diff?from=1&to=2`);
    expect(diff.statusCode).toBe(200);
    expect(diff.json()).toMatchObject({ from: 1, to: 2, added: 2, removed: 1, exact: true });
    expect(diff.json().lines.map((l: { op: string; text: string }) => `${l.op} ${l.text}`)).toEqual([
      "equal line one",
      "remove line two",
      "add line 2",
      "equal line three",
      "add line four",
    ]);

    const rollback = await api("POST", `${url}/rollback`, { version: 1 });
    expect(rollback.statusCode).toBe(201);
    expect(rollback.json()).toMatchObject({ version: 4, active: true, systemPrompt: "line one\nline two\nline three" });
    const origin = await database.db.personaVersion.findFirstOrThrow({ where: { personaId: created.id, version: 4 } });
    expect(origin.settings).toMatchObject({ source: "admin-api", rolledBackFrom: 1, apiKeyId: shop.keyId });

    const activated = await api("POST", `${url}/versions/2/activate`);
    expect(activated.statusCode).toBe(200);
    expect((await api("GET", url)).json()).toMatchObject({ versionCount: 4, activeVersion: { version: 2 } });
    expect((await api("GET", `${url}/versions/9`)).statusCode).toBe(404);
    expect((await api("GET", `${url}/diff?from=1&to=9`)).statusCode).toBe(404);
    const badQuery = await api("GET", `${url}/diff?from=one`);
    expect(badQuery.statusCode).toBe(400);
    expect(badQuery.json().error.message).toMatch(/query\.from.*query\.to|query\.to.*query\.from/s);
  });

  it("refuses a persona over the token budget with the count and the limit, storing nothing", async () => {
    const long = Array.from({ length: MAX_PERSONA_TOKENS + 5 }, (_, i) => `w${i}`).join(" ");
    const created = await api("POST", base(), { name: "Too long", systemPrompt: long });
    expect(created.statusCode).toBe(422);
    expect(created.json().error).toEqual({
      code: "PERSONA_TOO_LONG",
      message: `body.systemPrompt: the persona is ${MAX_PERSONA_TOKENS + 5} tokens; the limit is ${MAX_PERSONA_TOKENS}`,
      details: { field: "body.systemPrompt", tokens: MAX_PERSONA_TOKENS + 5, limit: MAX_PERSONA_TOKENS },
    });
    expect(await database.db.persona.count({ where: { name: "Too long" } })).toBe(0);
    const before = await database.db.personaVersion.count({ where: { personaId: shop.personaId } });
    const edit = await api("POST", `${base()}/${shop.personaId}/versions`, { systemPrompt: long });
    expect(edit.statusCode).toBe(422);
    expect(edit.json().error.details).toMatchObject({ tokens: MAX_PERSONA_TOKENS + 5, limit: MAX_PERSONA_TOKENS });
    expect(await database.db.personaVersion.count({ where: { personaId: shop.personaId } })).toBe(before);
  });

  it("names the bad fields of an edit", async () => {
    const res = await api("POST", `${base()}/${shop.personaId}/versions`, { systemPrompt: "   ", activate: "yes" });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain("body.systemPrompt");
    expect(res.json().error.message).toContain("body.activate");
    const missing = await api("POST", `${base()}/${shop.personaId}/versions`, {});
    expect(missing.json().error.message).toContain("body.systemPrompt");
    const version = await api("GET", `${base()}/${shop.personaId}/versions/zero`);
    expect(version.statusCode).toBe(400);
    expect(version.json().error.message).toContain("params.version");
  });

  it("gives versions created concurrently distinct numbers", async () => {
    const url = `${base()}/${shop.personaId}/versions`;
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => api("POST", url, { systemPrompt: `concurrent ${i}` })));
    expect(results.map((r) => r.statusCode)).toEqual(Array(6).fill(201));
    const numbers = results.map((r) => r.json().version as number);
    expect(new Set(numbers).size).toBe(6);
  });
});

describe("errors", () => {
  it("answers malformed JSON with 400 and unknown admin paths with a JSON 404, never a stack trace", async () => {
    const broken = await t.app.inject({ method: "POST", url: `/api/admin/businesses/${shop.businessId}/personas`, headers: { authorization: shop.auth, "content-type": "application/json" }, payload: '{"name": ' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBeTypeOf("string");
    expect(broken.body).not.toContain("    at ");
    const missing = await api("GET", "/nothing-here");
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe("NOT_FOUND");
  });

  it("answers 503 DATABASE_UNAVAILABLE when PostgreSQL is down", async () => {
    const deadDb = createDb(`postgresql://root@127.0.0.1:${await freePort()}/nothing`);
    const down = await buildAdminTestApp(deadDb);
    try {
      const res = await down.app.inject({ url: "/api/admin/businesses", headers: { authorization: shop.auth } });
      expect(res.statusCode).toBe(503);
      expect(res.headers["retry-after"]).toBe("1");
      expect(res.json().error.code).toBe("DATABASE_UNAVAILABLE");
    } finally {
      await down.app.close();
      await deadDb.$disconnect();
    }
  });
});

describe("OpenAPI document and docs page", () => {
  it("describes every route, from the zod schemas, without authentication", async () => {
    const res = await t.app.inject({ url: "/api/admin/openapi.json" });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe("3.0.3");
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(adminRoutes.map((r) => `${r.method} /api/admin${r.path.replace(/:([A-Za-z]+)/g, "{$1}")}`).sort());
    const createPersona = doc.paths["/api/admin/businesses/{businessId}/personas"].post;
    expect(createPersona.parameters).toEqual([expect.objectContaining({ name: "businessId", in: "path", required: true })]);
    expect(createPersona.requestBody.content["application/json"].schema).toMatchObject({ type: "object", required: expect.arrayContaining(["name", "systemPrompt"]) });
    expect(createPersona.responses["201"].content["application/json"].schema.properties).toHaveProperty("activeVersion");
    expect(createPersona.responses["422"]).toEqual({ $ref: "#/components/responses/Error422" });
    const list = doc.paths["/api/admin/businesses/{businessId}/conversations"].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(["businessId", "channelId", "contactId", "status", "unanswered", "limit", "cursor"]);
    const ids = new Set<string>();
    for (const ops of Object.values(doc.paths as Record<string, Record<string, { operationId: string; responses: object }>>)) {
      for (const op of Object.values(ops)) {
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
        expect(Object.keys(op.responses)).toContain("401");
      }
    }
    expect(JSON.stringify(doc)).not.toContain("secretHash");
  });

  it("serves an interactive page with its script and styles from this origin only", async () => {
    const page = await t.app.inject({ url: "/api/admin/docs" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(page.body).toContain('<script src="/api/admin/docs/docs.js">');
    expect(page.body).toContain('data-openapi="/api/admin/openapi.json"');
    const js = await t.app.inject({ url: "/api/admin/docs/docs.js" });
    expect(js.statusCode).toBe(200);
    expect(js.body).toContain("openapi");
    expect(js.body).not.toMatch(/innerHTML|https?:\/\//);
    expect((await t.app.inject({ url: "/api/admin/docs/docs.css" })).statusCode).toBe(200);
  });
});
