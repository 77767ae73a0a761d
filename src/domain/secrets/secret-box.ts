import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { FatalError } from "../errors.js";

/** An AES-256-GCM sealed value, as stored (e.g. in a ChannelSecret row). */
export interface SealedSecret {
  readonly ciphertext: Uint8Array;
  /** 12 random bytes, new for every seal. */
  readonly iv: Uint8Array;
  /** 16-byte GCM authentication tag. */
  readonly tag: Uint8Array;
}

const KEY_BYTES = 32;

/** The 32-byte key from its base64 (or base64url) text; anything else is a configuration error. */
export function parseSecretKey(base64: string): Buffer {
  const text = base64.trim().replace(/-/g, "+").replace(/_/g, "/");
  const key = Buffer.from(text, "base64");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || key.length !== KEY_BYTES) {
    throw new FatalError("SECRET_KEY_INVALID", `the secrets key must be ${KEY_BYTES} bytes, base64-encoded (e.g. openssl rand -base64 32)`);
  }
  return key;
}

/**
 * Encrypts with AES-256-GCM. `associatedData` (e.g. the channel id) is authenticated but not
 * stored: a sealed value copied to another channel's row does not open there.
 */
export function sealSecret(plaintext: string, key: Buffer, associatedData: string): SealedSecret {
  assertKey(key);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(associatedData, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return { ciphertext, iv, tag: cipher.getAuthTag() };
}

/** Decrypts and authenticates; a wrong key, tampered bytes or other associated data all fail the same way. */
export function openSecret(sealed: SealedSecret, key: Buffer, associatedData: string): string {
  assertKey(key);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, sealed.iv);
    decipher.setAAD(Buffer.from(associatedData, "utf8"));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString("utf8");
  } catch (error) {
    throw new FatalError("SECRET_UNREADABLE", "a stored secret could not be decrypted (wrong key, or the value was altered)", { cause: error });
  }
}

function assertKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new FatalError("SECRET_KEY_INVALID", `the secrets key must be ${KEY_BYTES} bytes`);
}
