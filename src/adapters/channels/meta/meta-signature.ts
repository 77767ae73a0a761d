import { createHmac, timingSafeEqual } from "node:crypto";

const HEADER = /^sha256=([0-9a-fA-F]{64})$/;

/** The `X-Hub-Signature-256` value Meta sends for a body: `sha256=<hex HMAC-SHA256 of the raw bytes>`. */
export function signMetaPayload(rawBody: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac("sha256", appSecret).update(rawBody).digest("hex")}`;
}

/**
 * Checks `X-Hub-Signature-256` against the RAW request bytes (never re-serialised JSON), in
 * constant time. A missing, malformed or wrong header, or an empty secret, is simply false.
 */
export function verifyMetaSignature(rawBody: Buffer, header: string | string[] | undefined, appSecret: string): boolean {
  if (typeof header !== "string" || appSecret.length === 0) return false;
  const match = HEADER.exec(header.trim());
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1], "hex");
  const expected = createHmac("sha256", appSecret).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}
