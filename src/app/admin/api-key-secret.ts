import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";

/**
 * Admin API keys look like `pk_<uuid>_<secret>`: the uuid finds the row, the secret (32 random
 * bytes, base64url) proves possession. Only a hash of the secret is stored. A plain SHA-256 is
 * enough because the secret has 256 bits of entropy: there is nothing to brute-force.
 */
const KEY_PATTERN = /^pk_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface ParsedApiKey {
  readonly id: string;
  readonly secret: string;
}

export interface GeneratedApiKey extends ParsedApiKey {
  /** The full key, shown to its creator once and never stored. */
  readonly key: string;
}

/** Hashing and constant-time comparison of key secrets (injectable so tests can count calls). */
export interface SecretHasher {
  hash(secret: string): Buffer;
  /** Constant-time for equal lengths; false for different lengths. */
  equals(a: Buffer, b: Buffer): boolean;
}

export const sha256Hasher: SecretHasher = {
  hash: (secret) => createHash("sha256").update(secret, "utf8").digest(),
  equals: (a, b) => a.length === b.length && timingSafeEqual(a, b),
};

export function generateApiKey(): GeneratedApiKey {
  const id = randomUUID();
  const secret = randomBytes(32).toString("base64url");
  return { id, secret, key: `pk_${id}_${secret}` };
}

export function parseApiKey(key: string): ParsedApiKey | null {
  const match = KEY_PATTERN.exec(key);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

/** The key from an `Authorization: Bearer pk_...` header; null for anything else. */
export function parseBearer(header: string | undefined): ParsedApiKey | null {
  if (typeof header !== "string" || header.length > 200) return null;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match ? parseApiKey(match[1]!) : null;
}
