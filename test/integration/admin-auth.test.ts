import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, sha256Hasher, type SecretHasher } from "../../src/app/admin/api-key-secret.js";
import { buildAdminTestApp, createAdminTestDatabase, ownerAuth, seedShop, type AdminTestApp, type Shop } from "../../test-kit/admin-test-app.js";
import { runEntry } from "../../test-kit/run-entry.js";
import type { TestDatabase } from "../../test-kit/test-database.js";

// API keys: one uniform 401, one hash compare per presented key whatever its id, revocation,
// lastUsedAt, keys made over HTTP and by the CLI, and secrets that never come back out.
const counts = { hash: 0, equals: 0 };
const countingHasher: SecretHasher = {
  hash: (secret) => (counts.hash++, sha256Hasher.hash(secret)),
  equals: (x, y) => (counts.equals++, sha256Hasher.equals(x, y)),
};
let now = new Date("2026-03-01T10:00:00.000Z");
let database: TestDatabase;
let t: AdminTestApp;
let shop: Shop;
let owner: string;

const get = (authorization?: string, url = "/api/admin/businesses") =>
  t.app.inject({ url, headers: authorization === undefined ? {} : { authorization } });

beforeAll(async () => {
  database = await createAdminTestDatabase();
  t = await buildAdminTestApp(database.db, { hasher: countingHasher, clock: () => now });
  shop = await seedShop(database.db, t.store, "shop-a");
  owner = await ownerAuth(t.store);
});

afterAll(async () => {
  await t?.app.close();
  await database?.drop();
});

describe("admin API keys", () => {
  it("answers 401 with one body for a missing, malformed, unknown, wrong or revoked key", async () => {
    const revoked = await t.app.inject({
      method: "POST",
      url: "/api/admin/api-keys",
      headers: { authorization: owner },
      payload: { name: "to revoke", businessId: shop.businessId },
    });
    const revokedKey: string = revoked.json().key;
    await t.app.inject({ method: "DELETE", url: `/api/admin/api-keys/${revoked.json().id}`, headers: { authorization: owner } });
    const { id, secret } = { id: shop.keyId, secret: generateApiKey().secret };
    const attempts = [
      undefined,
      "",
      "Basic dXNlcjpwYXNz",
      "Bearer",
      "Bearer pk_nope",
      `Bearer ${shop.auth.slice(7, -1)}`,
      `Bearer ${shop.auth.slice(7)}x`,
      `Bearer ${generateApiKey().key}`,
      `Bearer pk_${id}_${secret}`,
      `Bearer ${revokedKey}`,
      `Bearer ${shop.auth.slice(7)} extra`,
    ];
    const bodies = new Set<string>();
    for (const authorization of attempts) {
      const res = await get(authorization);
      expect(res.statusCode, String(authorization)).toBe(401);
      expect(res.headers["www-authenticate"]).toMatch(/^Bearer/);
      bodies.add(res.body);
    }
    expect([...bodies]).toEqual([
      JSON.stringify({ error: { code: "UNAUTHORIZED", message: "a valid API key is required: Authorization: Bearer pk_..." } }),
    ]);
    expect((await get(shop.auth)).statusCode).toBe(200);
    expect((await get(shop.auth.replace("Bearer", "bearer"))).statusCode).toBe(200);
  });

  it("hashes and compares exactly once whether the key id exists or not", async () => {
    const revoked = await t.app.inject({
      method: "POST",
      url: "/api/admin/api-keys",
      headers: { authorization: owner },
      payload: { name: "r", businessId: null },
    });
    await t.app.inject({ method: "DELETE", url: `/api/admin/api-keys/${revoked.json().id}`, headers: { authorization: owner } });
    const cases = {
      "unknown id": `Bearer ${generateApiKey().key}`,
      "known id, wrong secret": `Bearer pk_${shop.keyId}_${generateApiKey().secret}`,
      "revoked key": `Bearer ${revoked.json().key}`,
      "valid key": shop.auth,
    };
    for (const [name, authorization] of Object.entries(cases)) {
      counts.hash = 0;
      counts.equals = 0;
      await get(authorization);
      expect({ name, ...counts }).toEqual({ name, hash: 1, equals: 1 });
    }
    counts.equals = 0;
    await get("Bearer not-a-key");
    expect(counts.equals).toBe(0);
  });

  it("stores only the SHA-256 of the secret, and never returns a hash or a key after creation", async () => {
    const created = await t.app.inject({
      method: "POST",
      url: "/api/admin/api-keys",
      headers: { authorization: owner },
      payload: { name: "  laptop  ", businessId: shop.businessId },
    });
    expect(created.statusCode).toBe(201);
    const { key, id, name, businessId, lastUsedAt, revokedAt } = created.json();
    expect({ name, businessId, lastUsedAt, revokedAt }).toEqual({ name: "laptop", businessId: shop.businessId, lastUsedAt: null, revokedAt: null });
    expect(key).toMatch(new RegExp(`^pk_${id}_[A-Za-z0-9_-]{43}$`));
    const row = await t.store.apiKeys.findById(id);
    const secret = key.slice(`pk_${id}_`.length);
    expect(row?.secretHash).toBe(createHash("sha256").update(secret).digest("hex"));
    const listed = await t.app.inject({ url: `/api/admin/api-keys?businessId=${shop.businessId}`, headers: { authorization: owner } });
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(secret);
    expect(listed.body).not.toContain(row!.secretHash);
    expect(listed.json().items.map((k: { id: string }) => k.id)).toContain(id);
    expect(Object.keys(listed.json().items[0]).sort()).toEqual(["businessId", "createdAt", "id", "lastUsedAt", "name", "revokedAt"]);
  });

  it("revokes at once; revoking twice is fine; an unknown key is 404", async () => {
    const created = (
      await t.app.inject({
        method: "POST",
        url: "/api/admin/api-keys",
        headers: { authorization: owner },
        payload: { name: "temp", businessId: shop.businessId },
      })
    ).json();
    const auth = `Bearer ${created.key}`;
    expect((await get(auth)).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) {
      const res = await t.app.inject({ method: "DELETE", url: `/api/admin/api-keys/${created.id}`, headers: { authorization: owner } });
      expect(res.statusCode).toBe(204);
    }
    expect((await get(auth)).statusCode).toBe(401);
    expect((await t.store.apiKeys.findById(created.id))?.revokedAt).toEqual(now);
    const unknown = await t.app.inject({ method: "DELETE", url: `/api/admin/api-keys/${randomUUID()}`, headers: { authorization: owner } });
    expect(unknown.statusCode).toBe(404);
  });

  it("refuses a key for a business that does not exist", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/api/admin/api-keys",
      headers: { authorization: owner },
      payload: { name: "x", businessId: randomUUID() },
    });
    expect(res.statusCode).toBe(404);
  });

  it("records lastUsedAt, at most once a minute", async () => {
    const created = (
      await t.app.inject({
        method: "POST",
        url: "/api/admin/api-keys",
        headers: { authorization: owner },
        payload: { name: "usage", businessId: null },
      })
    ).json();
    const auth = `Bearer ${created.key}`;
    const start = now;
    await get(auth);
    expect((await t.store.apiKeys.findById(created.id))?.lastUsedAt).toEqual(start);
    now = new Date(start.getTime() + 30_000);
    await get(auth);
    expect((await t.store.apiKeys.findById(created.id))?.lastUsedAt).toEqual(start);
    now = new Date(start.getTime() + 61_000);
    await get(auth);
    expect((await t.store.apiKeys.findById(created.id))?.lastUsedAt).toEqual(now);
  });

  it("answers 403 OWNER_ONLY to a business key on owner routes", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/api/admin/businesses",
      headers: { authorization: shop.auth },
      payload: { slug: "other", name: "Other" },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe("OWNER_ONLY");
  });
});

describe("npm run api-key:create (src/main/create-api-key.ts)", () => {
  it("prints a business key once; the key works for that business only", async () => {
    const run = await runEntry("src/main/create-api-key.ts", { DATABASE_URL: database.url, LOG_LEVEL: "silent" }, [
      "--business",
      "shop-a",
      "--name",
      "cli key",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const key = run.stdout.trim();
    expect(key).toMatch(/^pk_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}$/);
    expect(run.stderr).not.toContain(key);
    const res = await get(`Bearer ${key}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((b: { id: string }) => b.id)).toEqual([shop.businessId]);
  });

  it("prints an owner key with --owner", async () => {
    const run = await runEntry("src/main/create-api-key.ts", { DATABASE_URL: database.url }, ["--owner"]);
    expect(run.code, run.stderr).toBe(0);
    const res = await get(`Bearer ${run.stdout.trim()}`, "/api/admin/api-keys");
    expect(res.statusCode).toBe(200);
  });

  it("explains its usage and refuses an unknown business, without a stack trace", async () => {
    const none = await runEntry("src/main/create-api-key.ts", { DATABASE_URL: database.url }, []);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("usage: npm run api-key:create");
    const unknown = await runEntry("src/main/create-api-key.ts", { DATABASE_URL: database.url }, ["--business", "no-such-shop"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("UNKNOWN_BUSINESS");
    expect(unknown.stderr).not.toContain("    at ");
    expect(unknown.stdout).toBe("");
  });
});
