import { randomBytes } from "node:crypto";
import type { ApiKeyStore } from "../../ports/admin/api-key-store.js";
import { parseBearer, sha256Hasher, type SecretHasher } from "./api-key-secret.js";
import type { Caller } from "./caller.js";

export interface AuthenticatorOptions {
  readonly hasher?: SecretHasher;
  readonly clock?: () => Date;
  /** lastUsedAt is written at most this often per key (default one minute). */
  readonly touchEveryMs?: number;
}

/**
 * Turns an Authorization header into a Caller, or null. Every well-formed key costs one hash and
 * one constant-time compare, whether its id exists or not (an unknown id is compared against a
 * dummy hash), so response time does not tell which ids exist.
 */
export class ApiKeyAuthenticator {
  private readonly hasher: SecretHasher;
  private readonly clock: () => Date;
  private readonly touchEveryMs: number;
  private readonly dummyHash: Buffer;

  constructor(
    private readonly keys: Pick<ApiKeyStore, "findById" | "touch">,
    options: AuthenticatorOptions = {},
  ) {
    this.hasher = options.hasher ?? sha256Hasher;
    this.clock = options.clock ?? (() => new Date());
    this.touchEveryMs = options.touchEveryMs ?? 60_000;
    this.dummyHash = this.hasher.hash(randomBytes(32).toString("base64url"));
  }

  async authenticate(authorization: string | undefined): Promise<Caller | null> {
    const presented = parseBearer(authorization);
    if (!presented) return null;
    const row = await this.keys.findById(presented.id);
    const expected = row && /^[0-9a-f]{64}$/.test(row.secretHash) ? Buffer.from(row.secretHash, "hex") : this.dummyHash;
    const matches = this.hasher.equals(this.hasher.hash(presented.secret), expected);
    if (!row || !matches || row.revokedAt) return null;
    const now = this.clock();
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= this.touchEveryMs) await this.keys.touch(row.id, now);
    return { keyId: row.id, businessId: row.businessId };
  }
}
