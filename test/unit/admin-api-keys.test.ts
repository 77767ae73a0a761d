import { describe, expect, it } from "vitest";
import type { ApiKeyRecord, ApiKeyStore } from "../../src/ports/admin/api-key-store.js";
import { generateApiKey, parseApiKey, parseBearer, sha256Hasher, type SecretHasher } from "../../src/app/admin/api-key-secret.js";
import { ApiKeyAuthenticator } from "../../src/app/admin/authenticate-api-key.js";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { decodeCursor, encodeCursor } from "../../src/app/admin/page-cursor.js";
import { wellFormed } from "../../src/domain/clean-text.js";

class MemoryKeys implements Pick<ApiKeyStore, "insert" | "findById" | "touch"> {
  readonly rows = new Map<string, ApiKeyRecord>();
  lookups = 0;
  async insert(key: Omit<ApiKeyRecord, "lastUsedAt" | "revokedAt">) {
    this.rows.set(key.id, { ...key, lastUsedAt: null, revokedAt: null });
  }
  async findById(id: string) {
    this.lookups++;
    return this.rows.get(id) ?? null;
  }
  async touch(id: string, at: Date) {
    this.rows.set(id, { ...this.rows.get(id)!, lastUsedAt: at });
  }
}

describe("API key format", () => {
  it("generates pk_<uuid>_<43 base64url chars> keys that parse back, and rejects near misses", () => {
    const k = generateApiKey();
    expect(k.key).toMatch(/^pk_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}$/);
    expect(parseApiKey(k.key)).toEqual({ id: k.id, secret: k.secret });
    for (const bad of ["", "pk_", k.key.slice(0, -1), `${k.key}x`, k.key.replace("pk_", "sk_"), ` ${k.key}`, k.key.toUpperCase()])
      expect(parseApiKey(bad)).toBeNull();
    expect(parseBearer(`Bearer ${k.key}`)).toEqual({ id: k.id, secret: k.secret });
    expect(parseBearer(`bearer   ${k.key}`)).not.toBeNull();
    for (const bad of [undefined, k.key, `Basic ${k.key}`, `Bearer ${k.key} x`, `Bearer ${"x".repeat(300)}`]) expect(parseBearer(bad)).toBeNull();
  });
});

describe("ApiKeyAuthenticator", () => {
  it("does one hash and one compare for every well-formed key, known or not", async () => {
    const store = new MemoryKeys();
    const calls = { hash: 0, equals: 0 };
    const hasher: SecretHasher = { hash: (s) => (calls.hash++, sha256Hasher.hash(s)), equals: (a, b) => (calls.equals++, sha256Hasher.equals(a, b)) };
    const issued = await issueApiKey(store, { businessId: "b1", name: "k" }, { hasher });
    const auth = new ApiKeyAuthenticator(store, { hasher });
    for (const [header, expected] of [
      [`Bearer ${issued.key}`, { keyId: issued.record.id, businessId: "b1" }],
      [`Bearer ${generateApiKey().key}`, null],
      [`Bearer pk_${issued.record.id}_${generateApiKey().secret}`, null],
    ] as const) {
      calls.hash = calls.equals = 0;
      expect(await auth.authenticate(header)).toEqual(expected);
      expect(calls).toEqual({ hash: 1, equals: 1 });
    }
    const lookups = store.lookups;
    expect(await auth.authenticate("Bearer junk")).toBeNull();
    expect(store.lookups).toBe(lookups);
  });

  it("treats a stored hash of the wrong shape as a mismatch, not a crash", async () => {
    const store = new MemoryKeys();
    const issued = await issueApiKey(store, { businessId: null, name: "k" });
    store.rows.set(issued.record.id, { ...issued.record, secretHash: "abc" });
    expect(await new ApiKeyAuthenticator(store).authenticate(`Bearer ${issued.key}`)).toBeNull();
  });
});

describe("page cursors and text", () => {
  it("round-trips a cursor and refuses anything else", () => {
    const c = { at: new Date("2026-01-02T03:04:05.678Z"), id: "11111111-1111-4111-8111-111111111111" };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    for (const bad of [
      "",
      "garbage",
      Buffer.from("[1,2]").toString("base64url"),
      Buffer.from('["x","y"]').toString("base64url"),
      Buffer.from('["2026-01-01T00:00:00Z","not-a-uuid"]').toString("base64url"),
    ]) {
      expect(decodeCursor(bad)).toBeNull();
    }
  });

  it("replaces lone surrogates and keeps real pairs", () => {
    expect(wellFormed("a\ud800b\udfffc😀")).toBe("a\ufffdb\ufffdc😀");
  });
});
