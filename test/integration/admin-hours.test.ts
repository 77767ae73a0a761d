import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextOpeningAfter } from "../../src/domain/opening-hours/index.js";
import { buildAdminTestApp, createAdminTestDatabase, seedShop, type AdminTestApp, type Shop } from "../../test-kit/admin-test-app.js";
import type { TestDatabase } from "../../test-kit/test-database.js";
import { errorFields } from "../../test-kit/error-fields.js";

// GET/PUT /businesses/:businessId/hours: what is stored, what is refused (and that a refusal
// changes nothing), and the open-now / next-opening figures the console shows.
let database: TestDatabase;
let t: AdminTestApp;
let shop: Shop;

const url = () => `/api/admin/businesses/${shop.businessId}/hours`;
const get = () => t.app.inject({ method: "GET", url: url(), headers: { authorization: shop.auth } });
const put = (payload: object) => t.app.inject({ method: "PUT", url: url(), headers: { authorization: shop.auth }, payload });
const hh = (offset: number) => `${String((new Date().getUTCHours() + 24 + offset) % 24).padStart(2, "0")}:00`;
const everyDay = (range: [string, string]) => Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [range]]));
const VALID = {
  timezone: "Europe/Madrid",
  openingHours: {
    mon: [
      ["09:00", "13:00"],
      ["16:00", "20:00"],
    ],
    tue: [],
    fri: [["22:00", "02:00"]],
  },
  outsideHours: "away",
  awayMessage: "  Closed now, back {opens}.  ",
};

beforeAll(async () => {
  database = await createAdminTestDatabase();
  t = await buildAdminTestApp(database.db);
  shop = await seedShop(database.db, t.store, "shop-hours");
});

afterAll(async () => {
  await t?.app.close();
  await database?.drop();
});

describe("business hours", () => {
  it("starts always open, answering outside hours, with no away message", async () => {
    const res = await get();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      timezone: "UTC",
      openingHours: null,
      outsideHours: "answer",
      awayMessage: null,
      openNow: true,
      nextOpening: null,
      nextClosing: null,
    });
  });

  it("stores a schedule, mode and away message, and reads them back", async () => {
    const res = await put(VALID);
    expect(res.statusCode).toBe(200);
    const expected = { timezone: "Europe/Madrid", openingHours: VALID.openingHours, outsideHours: "away", awayMessage: "Closed now, back {opens}." };
    expect(res.json()).toMatchObject(expected);
    expect((await get()).json()).toMatchObject(expected);
    const row = await database.db.business.findUniqueOrThrow({ where: { id: shop.businessId } });
    expect(row).toMatchObject(expected);
  });

  it("says whether the business is open now, and when it opens or closes next", async () => {
    const closed = everyDay([hh(2), hh(3)]);
    const res = await put({ timezone: "UTC", openingHours: closed, outsideHours: "away", awayMessage: null });
    expect(res.json()).toMatchObject({ openNow: false, nextClosing: null, awayMessage: null });
    expect(res.json().nextOpening).toBe(nextOpeningAfter(closed, "UTC", new Date())!.toISOString());

    const open = everyDay([hh(-1), hh(2)]);
    const opened = (await put({ timezone: "UTC", openingHours: open, outsideHours: "away", awayMessage: null })).json();
    expect(opened.openNow).toBe(true);
    expect(new Date(opened.nextClosing).getUTCHours()).toBe(Number(hh(2).slice(0, 2)));

    const never = (await put({ timezone: "UTC", openingHours: {}, outsideHours: "away", awayMessage: null })).json();
    expect(never).toMatchObject({ openNow: false, nextOpening: null, nextClosing: null });

    const allWeek = (await put({ timezone: "UTC", openingHours: everyDay(["00:00", "24:00"]), outsideHours: "away", awayMessage: null })).json();
    expect(allWeek).toMatchObject({ openNow: true, nextOpening: null, nextClosing: null });

    const always = (await put({ timezone: "UTC", openingHours: null, outsideHours: "answer", awayMessage: null })).json();
    expect(always).toMatchObject({ openingHours: null, openNow: true });
    expect((await database.db.business.findUniqueOrThrow({ where: { id: shop.businessId } })).openingHours).toBeNull();
  });

  it("refuses bad input with a 400 naming each field, and keeps what was stored", async () => {
    expect((await put(VALID)).statusCode).toBe(200);
    const before = (await get()).json();
    const cases: Array<[object, string[]]> = [
      [{ ...VALID, timezone: "Mars/Olympus" }, ["body.timezone: must be an IANA time zone"]],
      [
        {
          ...VALID,
          openingHours: {
            tue: [
              ["09:00", "13:00"],
              ["12:00", "15:00"],
            ],
          },
        },
        ["body.openingHours.tue[1]: overlaps tue[0] (09:00-13:00)"],
      ],
      [
        { ...VALID, openingHours: { mon: [["22:00", "02:00"]], tue: [["01:00", "05:00"]] } },
        ["body.openingHours.tue[0]: overlaps mon[0] (22:00-02:00)"],
      ],
      [{ ...VALID, openingHours: { mon: [["9am", "18:00"]] } }, ["body.openingHours.mon[0][0]: must be a time HH:MM"]],
      [{ ...VALID, openingHours: { monday: [] } }, ["body.openingHours"]],
      [{ ...VALID, outsideHours: "sometimes" }, ["body.outsideHours"]],
      [{ ...VALID, awayMessage: "   " }, ["body.awayMessage: must not be empty"]],
      [{ ...VALID, awayMessage: "x".repeat(1001) }, ["body.awayMessage: at most 1000 characters"]],
      [{ openingHours: null }, ["body.timezone", "body.outsideHours", "body.awayMessage"]],
    ];
    for (const [payload, fields] of cases) {
      const res = await put(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.code).toBe("INVALID_REQUEST");
      for (const field of fields) expect(errorFields(res.json())).toContain(field);
    }
    expect((await get()).json()).toEqual(before);
  });

  it("is in the OpenAPI document with its body schema", async () => {
    const doc = (await t.app.inject({ url: "/api/admin/openapi.json" })).json();
    const ops = doc.paths["/api/admin/businesses/{businessId}/hours"];
    expect(Object.keys(ops).sort()).toEqual(["get", "put"]);
    expect(ops.put.requestBody.content["application/json"].schema).toMatchObject({
      type: "object",
      required: expect.arrayContaining(["timezone", "openingHours", "outsideHours", "awayMessage"]),
    });
    expect(ops.get.responses["200"].content["application/json"].schema.properties).toHaveProperty("nextOpening");
  });
});
