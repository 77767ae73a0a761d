import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatProfileRepository } from "../../src/adapters/storage/admin/chat-profile-repository.js";
import { buildAdminTestApp, createAdminTestDatabase, seedShop, type AdminTestApp, type Shop } from "../../test-kit/admin-test-app.js";
import type { TestDatabase } from "../../test-kit/test-database.js";

// A web chat channel's page look (colour, logo) and the sites that may embed it, through the admin
// API, stored on the channel and read back as the chat page's profile, against a real database.
let database: TestDatabase;
let t: AdminTestApp;
let shop: Shop;

const patch = (payload: object, channelId = shop.channelId) =>
  t.app.inject({
    method: "PATCH",
    url: `/api/admin/businesses/${shop.businessId}/channels/${channelId}`,
    headers: { authorization: shop.auth },
    payload,
  });

beforeAll(async () => {
  database = await createAdminTestDatabase();
  t = await buildAdminTestApp(database.db);
  shop = await seedShop(database.db, t.store, "look-shop");
});

afterAll(async () => {
  await t?.app.close();
  await database?.drop();
});

describe("chat page look", () => {
  it("stores a colour, an https logo and sites, and the chat page's profile shows them", async () => {
    const res = await patch({
      chatPage: { color: "#1A7F5A", logoUrl: "https://cdn.shop.example/logo.png", sites: ["https://shop.example", "http://localhost:8080"] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().chatPage).toEqual({
      color: "#1a7f5a",
      logoUrl: "https://cdn.shop.example/logo.png",
      sites: ["https://shop.example", "http://localhost:8080"],
    });
    const profile = await new ChatProfileRepository(database.db).chatProfile(shop.channelKey);
    expect(profile).toMatchObject({
      businessName: expect.any(String),
      agentName: "Rosa",
      personaKind: "support",
      color: "#1a7f5a",
      logoUrl: "https://cdn.shop.example/logo.png",
      sites: ["https://shop.example", "http://localhost:8080"],
      open: true,
    });

    // null removes one; the rest stays.
    expect((await patch({ chatPage: { logoUrl: null } })).json().chatPage).toEqual({
      color: "#1a7f5a",
      logoUrl: null,
      sites: ["https://shop.example", "http://localhost:8080"],
    });
    await patch({ enabled: false });
    expect((await new ChatProfileRepository(database.db).chatProfile(shop.channelKey))?.open).toBe(false);
    expect(await new ChatProfileRepository(database.db).chatProfile("no-such-key")).toBeNull();
  });

  it("refuses a colour, logo or site it cannot use, in plain words next to the field, and keeps what was stored", async () => {
    const before = (await patch({})).json().chatPage;
    const cases: Array<[object, string, RegExp]> = [
      [{ color: "green" }, "body.chatPage.color", /^A colour is written #rrggbb/],
      [{ color: "#12345" }, "body.chatPage.color", /#rrggbb/],
      [{ logoUrl: "http://cdn.shop.example/logo.png" }, "body.chatPage.logoUrl", /^A logo address starts with https:\/\//],
      [{ logoUrl: "javascript:alert(1)" }, "body.chatPage.logoUrl", /https:\/\//],
      [{ logoUrl: "https://user:pass@cdn.shop.example/logo.png" }, "body.chatPage.logoUrl", /https:\/\//],
      [{ sites: ["https://shop.example/page"] }, "body.chatPage.sites[0]", /without a path/],
      [{ sites: ["http://shop.example"] }, "body.chatPage.sites[0]", /without a path/],
      [{ sites: ["*"] }, "body.chatPage.sites[0]", /without a path/],
    ];
    for (const [chatPage, field, message] of cases) {
      const res = await patch({ chatPage });
      expect(res.statusCode, JSON.stringify(chatPage)).toBe(400);
      expect(res.json().error).toMatchObject({ code: "INVALID_REQUEST", field, message: expect.stringMatching(message) });
      expect(res.json().error.message).not.toContain("body.");
    }
    expect((await patch({})).json().chatPage).toEqual(before);
  });

  it("styles only web chat channels", async () => {
    const other = await t.app.inject({
      method: "POST",
      url: `/api/admin/businesses/${shop.businessId}/channels`,
      headers: { authorization: shop.auth },
      payload: { kind: "whatsapp_web", platformAccountId: "34600111222" },
    });
    expect(other.statusCode).toBe(201);
    expect(other.json().chatPage).toBeNull();
    const res = await patch({ chatPage: { color: "#000000" } }, other.json().id);
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({
      code: "NOT_WEBCHAT",
      field: "body.chatPage",
      message: "This is not a web chat channel, and only a web chat has a page to style.",
    });
  });
});
