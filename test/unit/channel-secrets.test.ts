import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { FatalError } from "../../src/domain/errors.js";
import { EncryptedChannelCredentials, sealChannelCredentials } from "../../src/domain/secrets/channel-credentials.js";
import { openSecret, parseSecretKey, sealSecret, type SealedSecret } from "../../src/domain/secrets/secret-box.js";

const key = randomBytes(32);

describe("secret box (AES-256-GCM)", () => {
  it("round-trips, with a new IV every time", () => {
    const a = sealSecret("token-ü-🔑", key, "ch-1");
    const b = sealSecret("token-ü-🔑", key, "ch-1");
    expect(openSecret(a, key, "ch-1")).toBe("token-ü-🔑");
    expect(Buffer.from(a.iv).equals(Buffer.from(b.iv))).toBe(false);
    expect(Buffer.from(a.ciphertext).toString("utf8")).not.toContain("token");
  });

  it("refuses another key, other associated data, and altered bytes", () => {
    const sealed = sealSecret("secret", key, "ch-1");
    const flip = (u: Uint8Array) => Uint8Array.from(u, (x, i) => (i === 0 ? x ^ 1 : x));
    for (const [s, k, aad] of [
      [sealed, randomBytes(32), "ch-1"],
      [sealed, key, "ch-2"],
      [{ ...sealed, ciphertext: flip(sealed.ciphertext) }, key, "ch-1"],
      [{ ...sealed, tag: flip(sealed.tag) }, key, "ch-1"],
      [{ ...sealed, iv: flip(sealed.iv) }, key, "ch-1"],
    ] as Array<[SealedSecret, Buffer, string]>) {
      expect(() => openSecret(s, k, aad)).toThrow(expect.objectContaining({ code: "SECRET_UNREADABLE" }));
    }
  });

  it("accepts a 32-byte base64 or base64url key and nothing else", () => {
    expect(parseSecretKey(key.toString("base64")).equals(key)).toBe(true);
    expect(parseSecretKey(key.toString("base64url")).equals(key)).toBe(true);
    for (const bad of ["", "abc", randomBytes(16).toString("base64"), randomBytes(33).toString("base64"), "!".repeat(44)]) {
      expect(() => parseSecretKey(bad)).toThrow(FatalError);
    }
  });
});

describe("EncryptedChannelCredentials", () => {
  const creds = { accessToken: "EAAG...", appSecret: "s", verifyToken: "v" };
  const rows = new Map<string, SealedSecret>([["ref-1", sealChannelCredentials(creds, key, "ch-1")]]);
  const resolver = new EncryptedChannelCredentials(async (ref) => rows.get(ref) ?? null, key);

  it("decrypts the channel's credentials", async () => {
    expect(await resolver.getCredentials({ id: "ch-1", credentialsRef: "ref-1" })).toEqual(creds);
  });

  it("fails clearly without a reference, for a dangling one, or for a blob sealed for another channel", async () => {
    await expect(resolver.getCredentials({ id: "ch-1", credentialsRef: null })).rejects.toMatchObject({ code: "CREDENTIALS_MISSING" });
    await expect(resolver.getCredentials({ id: "ch-1", credentialsRef: "ref-x" })).rejects.toMatchObject({ code: "CREDENTIALS_MISSING" });
    await expect(resolver.getCredentials({ id: "ch-2", credentialsRef: "ref-1" })).rejects.toMatchObject({ code: "SECRET_UNREADABLE" });
  });
});
