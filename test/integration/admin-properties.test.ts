import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { adminRoutes } from "../../src/adapters/http/admin/routes/all-routes.js";
import { buildAdminTestApp, createAdminTestDatabase, ownerAuth, seedShop, type AdminTestApp, type Shop } from "../../test-kit/admin-test-app.js";
import type { TestDatabase } from "../../test-kit/test-database.js";

// Hostile input at every admin route that takes a body (and the list queries): whatever JSON
// arrives, the answer is a clear 2xx/4xx with an {error: {code, message}} body, never a 500.
let database: TestDatabase;
let t: AdminTestApp;
let shop: Shop;
let owner: string;
let entryId: string;

const bodyRoutes = adminRoutes.filter((r) => r.body);
const queryRoutes = adminRoutes.filter((r) => r.query && r.method === "GET");

/** Property names a schema knows (all branches of a union), so random bodies get past "unknown shape". */
function knownKeys(schema: z.ZodType): string[] {
  const keys = new Set<string>();
  const walk = (node: unknown): void => {
    if (!node || typeof node !== "object") return;
    const n = node as { properties?: Record<string, unknown>; oneOf?: unknown[]; anyOf?: unknown[] };
    for (const [k, v] of Object.entries(n.properties ?? {})) {
      keys.add(k);
      walk(v);
    }
    for (const branch of [...(n.oneOf ?? []), ...(n.anyOf ?? [])]) walk(branch);
  };
  walk(z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }));
  return [...keys];
}

const json = fc.jsonValue({ maxDepth: 3, stringUnit: "binary" });
/** Short strings made of the characters that break things: NUL (PostgreSQL refuses it), lone surrogates, controls, RTL marks. */
const nasty = fc
  .array(fc.constantFrom("\u0000", "\ud800", "\udfff", "\u202e", "\u0085", "\r", "\n", "\t", " ", "a", "é", "😀", "pk_", "-"), {
    minLength: 1,
    maxLength: 8,
  })
  .map((parts) => parts.join(""));
const plausible = fc.oneof(
  { arbitrary: nasty, weight: 3 },
  { arbitrary: json, weight: 1 },
  {
    arbitrary: fc.constantFrom(
      "webchat",
      "whatsapp_cloud",
      "instagram",
      "whatsapp_web",
      "UTC",
      "Europe/Madrid",
      "",
      " ",
      "null",
      "1e309",
      "-1",
      "0",
      "1",
    ),
    weight: 2,
  },
  { arbitrary: fc.uuid(), weight: 1 },
  { arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean()), weight: 1 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 300 }), weight: 1 },
);
const shaped = (keys: string[]) => {
  const value = fc.oneof(plausible, fc.dictionary(fc.constantFrom(...keys), plausible, { maxKeys: 4 }));
  return fc.dictionary(fc.constantFrom(...keys, "extra", "__proto__", "constructor"), value, { maxKeys: 6 });
};

function urlFor(path: string): string {
  const ids: Record<string, string> = {
    businessId: shop.businessId,
    personaId: shop.personaId,
    version: "1",
    channelId: shop.channelId,
    conversationId: shop.conversationId,
    contactId: shop.contactId,
    keyId: shop.keyId,
    entryId,
  };
  return `/api/admin${path.replace(/:([A-Za-z]+)/g, (_m, name: string) => ids[name]!)}`;
}

function expectClearAnswer(res: { statusCode: number; body: string; json(): any }, what: string): void {
  expect(res.statusCode, `${what} -> ${res.body}`).toBeLessThan(500);
  expect(res.body).not.toContain("    at ");
  if (res.statusCode >= 400) {
    expect(res.json().error.code).toBeTypeOf("string");
    expect(res.json().error.message).toBeTypeOf("string");
  }
}

beforeAll(async () => {
  database = await createAdminTestDatabase();
  t = await buildAdminTestApp(database.db);
  shop = await seedShop(database.db, t.store, "shop-a");
  owner = await ownerAuth(t.store);
  entryId = (await t.store.knowledge.create(shop.businessId, { kind: "document", title: "Allergens", body: "Nuts in the almond croissant." })).id;
});

afterAll(async () => {
  await t?.app.close();
  await database?.drop();
});

describe("admin API under random input", () => {
  it("has body routes to test", () => {
    expect(bodyRoutes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        "POST /businesses",
        "POST /businesses/:businessId/channels",
        "POST /businesses/:businessId/personas/:personaId/versions",
      ]),
    );
  });

  it.each(bodyRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))("%s never answers 500 to a random JSON body", async (_name, route) => {
    const keys = knownKeys(route.body!);
    await fc.assert(
      fc.asyncProperty(fc.oneof(json, shaped(keys)), fc.boolean(), async (body, asOwner) => {
        const res = await t.app.inject({
          method: route.method,
          url: urlFor(route.path),
          headers: { authorization: asOwner ? owner : shop.auth, "content-type": "application/json" },
          payload: JSON.stringify(body),
        });
        expectClearAnswer(res, JSON.stringify(body));
      }),
      { numRuns: 100 },
    );
  });

  it("never answers 500 to raw bytes sent as JSON", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...bodyRoutes), fc.string({ unit: "binary", maxLength: 200 }), async (route, raw) => {
        const res = await t.app.inject({
          method: route.method,
          url: urlFor(route.path),
          headers: { authorization: shop.auth, "content-type": "application/json" },
          payload: raw,
        });
        expectClearAnswer(res, raw);
      }),
      { numRuns: 80 },
    );
  });

  it("never answers 500 to random query strings on list routes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...queryRoutes),
        fc.dictionary(
          fc.constantFrom("limit", "cursor", "status", "unanswered", "channelId", "contactId", "after", "from", "to", "businessId", "x"),
          fc.oneof(fc.string({ unit: "binary", maxLength: 60 }), fc.integer().map(String), fc.uuid()),
        ),
        async (route, query) => {
          const res = await t.app.inject({
            method: "GET",
            url: urlFor(route.path),
            query,
            headers: { authorization: route.ownerOnly ? owner : shop.auth },
          });
          expectClearAnswer(res, JSON.stringify(query));
        },
      ),
      { numRuns: 120 },
    );
  });
});
