import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUSINESS_SETTING_DEFAULTS } from "../../src/domain/business-settings.js";
import { buildAdminTestApp, createAdminTestDatabase, seedShop, type AdminTestApp, type Shop } from "../../test-kit/admin-test-app.js";
import { errorFields } from "../../test-kit/error-fields.js";
import type { TestDatabase } from "../../test-kit/test-database.js";

// GET/PUT /businesses/:businessId/settings: a new business has the defaults, a change is stored
// as given (and refused, changing nothing, when out of range), and one business's key cannot read
// or change another's.
let database: TestDatabase;
let t: AdminTestApp;
let shop: Shop;
let other: Shop;

const url = (s: Shop = shop) => `/api/admin/businesses/${s.businessId}/settings`;
const get = (s: Shop = shop, auth = shop.auth) => t.app.inject({ method: "GET", url: url(s), headers: { authorization: auth } });
const put = (payload: object, s: Shop = shop, auth = shop.auth) =>
  t.app.inject({ method: "PUT", url: url(s), headers: { authorization: auth }, payload });
const CHANGED = {
  nonTextReply: "  Sorry, only text here. What would you like to ask?  ",
  ownerQuietMinutes: 12.5,
  turnDebounceMs: 1500,
  replyMaxTokens: 120,
  temperature: 0.2,
  knowledgeBudgetTokens: 0,
};

beforeAll(async () => {
  database = await createAdminTestDatabase();
  t = await buildAdminTestApp(database.db);
  shop = await seedShop(database.db, t.store, "shop-settings");
  other = await seedShop(database.db, t.store, "shop-settings-other");
});

afterAll(async () => {
  await t?.app.close();
  await database?.drop();
});

describe("business settings", () => {
  it("starts at the defaults, which the response also lists", async () => {
    const res = await get();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ...BUSINESS_SETTING_DEFAULTS, defaults: BUSINESS_SETTING_DEFAULTS });
    expect(BUSINESS_SETTING_DEFAULTS).toEqual({
      nonTextReply: "Thanks! I can only read text messages for now. Could you write your question in a message?",
      ownerQuietMinutes: 30,
      turnDebounceMs: 800,
      replyMaxTokens: 256,
      temperature: 0.7,
      knowledgeBudgetTokens: 300,
    });
  });

  it("stores a change for this business only, and reads it back", async () => {
    const res = await put(CHANGED);
    expect(res.statusCode).toBe(200);
    const expected = { ...CHANGED, nonTextReply: "Sorry, only text here. What would you like to ask?" };
    expect(res.json()).toMatchObject(expected);
    expect((await get()).json()).toMatchObject(expected);
    const row = await database.db.business.findUniqueOrThrow({ where: { id: shop.businessId }, select: { settings: true } });
    expect(row.settings).toEqual(expected);
    expect((await get(other, other.auth)).json()).toMatchObject(BUSINESS_SETTING_DEFAULTS);
  });

  it("refuses bad input with a 400 naming each field, and keeps what was stored", async () => {
    expect((await put(CHANGED)).statusCode).toBe(200);
    const before = (await get()).json();
    const cases: Array<[object, string[]]> = [
      [{ ...CHANGED, nonTextReply: "   " }, ["body.nonTextReply: must not be empty"]],
      [{ ...CHANGED, nonTextReply: "x".repeat(1001) }, ["body.nonTextReply: at most 1000 characters"]],
      [{ ...CHANGED, ownerQuietMinutes: -1 }, ["body.ownerQuietMinutes"]],
      [{ ...CHANGED, turnDebounceMs: 60_001 }, ["body.turnDebounceMs"]],
      [{ ...CHANGED, turnDebounceMs: 1.5 }, ["body.turnDebounceMs"]],
      [{ ...CHANGED, replyMaxTokens: 4 }, ["body.replyMaxTokens"]],
      [{ ...CHANGED, replyMaxTokens: 4096 }, ["body.replyMaxTokens"]],
      [{ ...CHANGED, temperature: 2.5 }, ["body.temperature"]],
      [{ ...CHANGED, temperature: "hot" }, ["body.temperature"]],
      [{ ...CHANGED, knowledgeBudgetTokens: 5000 }, ["body.knowledgeBudgetTokens"]],
      [{ ...CHANGED, maxMessageChars: 10 }, ["body"]],
      [{ replyMaxTokens: 100 }, ["body.nonTextReply", "body.temperature"]],
    ];
    for (const [payload, fields] of cases) {
      const res = await put(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.code).toBe("INVALID_REQUEST");
      for (const field of fields) expect(errorFields(res.json())).toContain(field);
    }
    expect((await get()).json()).toEqual(before);
  });

  it("refuses a reply length that would leave a live persona too little of the context, naming it", async () => {
    const before = (await get()).json();
    const res = await put({ ...CHANGED, replyMaxTokens: 2000 });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: "PERSONA_TOO_LONG", field: "replyMaxTokens" });
    expect(res.json().error.message).toMatch(/^replies of 2000 tokens leave the persona -?\d+ tokens, and .+ uses \d+\./);
    expect((await get()).json()).toEqual(before);
  });

  it("is scoped to the caller's business: another business's key gets 404 and changes nothing", async () => {
    const before = (await get()).json();
    expect((await get(shop, other.auth)).statusCode).toBe(404);
    expect((await put({ ...CHANGED, replyMaxTokens: 9 }, shop, other.auth)).statusCode).toBe(404);
    expect((await get()).json()).toEqual(before);
  });

  it("a stored value out of range (written by hand) reads as its default", async () => {
    await database.db.business.update({ where: { id: other.businessId }, data: { settings: { replyMaxTokens: 1_000_000, temperature: 0.1 } } });
    expect((await get(other, other.auth)).json()).toMatchObject({ replyMaxTokens: 256, temperature: 0.1, turnDebounceMs: 800 });
  });

  it("is in the OpenAPI document with its body schema", async () => {
    const doc = (await t.app.inject({ url: "/api/admin/openapi.json" })).json();
    const ops = doc.paths["/api/admin/businesses/{businessId}/settings"];
    expect(Object.keys(ops).sort()).toEqual(["get", "put"]);
    expect(ops.put.requestBody.content["application/json"].schema).toMatchObject({
      type: "object",
      required: expect.arrayContaining([
        "nonTextReply",
        "ownerQuietMinutes",
        "turnDebounceMs",
        "replyMaxTokens",
        "temperature",
        "knowledgeBudgetTokens",
      ]),
    });
  });
});
