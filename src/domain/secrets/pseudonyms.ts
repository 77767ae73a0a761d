import { createHmac, randomBytes } from "node:crypto";
import { parseSecretKey } from "./secret-box.js";

/**
 * Keyed hashes (HMAC-SHA256) of personal data: the same input gives the same pseudonym, and without
 * the key it cannot be reversed by trying every phone number or address. With no PSEUDONYM_KEY a
 * random key is used for this process only: pseudonyms then hold within one gateway's lifetime,
 * and nothing meant to outlive it (the erasure record) keeps one.
 */
export class Pseudonyms {
  private constructor(
    private readonly key: Buffer,
    /** Whether the key is configured (the same across processes and restarts). */
    readonly persistent: boolean,
  ) {}

  static fromKey(base64: string | undefined): Pseudonyms {
    return base64 ? new Pseudonyms(parseSecretKey(base64), true) : new Pseudonyms(randomBytes(32), false);
  }

  /** The pseudonym of `value` for one `purpose` (so one value's pseudonyms for two purposes do not match): 32 hex digits. */
  of(purpose: string, value: string): string {
    return createHmac("sha256", this.key).update(`${purpose}\u0000${value}`).digest("hex").slice(0, 32);
  }

  /** The pseudonym to keep in a durable record: none when the key is not configured. */
  durable(purpose: string, value: string): string | null {
    return this.persistent ? this.of(purpose, value) : null;
  }
}
