import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { signMetaPayload, verifyMetaSignature } from "../../src/adapters/channels/meta/meta-signature.js";
import { answerVerifyChallenge } from "../../src/adapters/channels/meta/verify-challenge.js";

const SECRET = "6c7b1f0e9d8a7b6c5d4e3f2a1b0c9d8e";

describe("X-Hub-Signature-256", () => {
  it("matches an independently computed HMAC-SHA256 of the raw body", () => {
    const body = Buffer.from('{"object":"instagram","entry":[]}');
    const expected = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
    expect(signMetaPayload(body, SECRET)).toBe(expected);
    expect(verifyMetaSignature(body, expected, SECRET)).toBe(true);
    expect(verifyMetaSignature(body, expected.toUpperCase().replace("SHA256=", "sha256="), SECRET)).toBe(true);
  });

  it("refuses missing, malformed, truncated and wrong signatures, and an empty secret", () => {
    const body = Buffer.from("{}");
    const good = signMetaPayload(body, SECRET);
    for (const header of [undefined, "", "sha256=", good.slice(0, -2), `sha1=${good.slice(7)}`, `${good}00`, good.replace(/.$/, "z"), [good]]) {
      expect(verifyMetaSignature(body, header, SECRET)).toBe(false);
    }
    expect(verifyMetaSignature(body, signMetaPayload(body, ""), "")).toBe(false);
    expect(verifyMetaSignature(body, signMetaPayload(body, "other"), SECRET)).toBe(false);
  });

  it("detects any change to the bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (bytes, at, flip) => {
        const body = Buffer.from(bytes);
        const header = signMetaPayload(body, SECRET);
        const changed = Buffer.from(body);
        const i = at % changed.length;
        changed[i] = changed[i]! ^ flip;
        expect(verifyMetaSignature(body, header, SECRET)).toBe(true);
        expect(verifyMetaSignature(changed, header, SECRET)).toBe(false);
      }),
    );
  });
});

describe("verification handshake", () => {
  it("echoes the challenge only for subscribe with the right token", () => {
    expect(answerVerifyChallenge({ "hub.mode": "subscribe", "hub.verify_token": "t", "hub.challenge": "42" }, "t")).toEqual({
      status: 200,
      challenge: "42",
    });
    expect(answerVerifyChallenge({ "hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "42" }, "t").status).toBe(403);
    expect(answerVerifyChallenge({ "hub.mode": "subscribe", "hub.verify_token": "t" }, "t").status).toBe(400);
    expect(answerVerifyChallenge({ "hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1" }, "").status).toBe(403);
    expect(answerVerifyChallenge(null, "t").status).toBe(403);
    expect(answerVerifyChallenge({ "hub.mode": "subscribe", "hub.verify_token": ["t", "t"], "hub.challenge": "1" }, "t").status).toBe(403);
  });
});
