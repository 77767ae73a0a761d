import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseSignedRequest, signRequest } from "../../src/adapters/http/meta-signed-request.js";

// Meta's signed_request: base64url(HMAC-SHA256(payload part, app secret)) "." base64url(JSON).
// Built here by hand, byte for byte as Meta's PHP example checks it, not with the code under test.
const SECRET = "app-secret-0123456789";
const OTHER = "another-app-secret-9876";
const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");
const sign = (payloadPart: string, secret = SECRET) => b64url(createHmac("sha256", secret).update(payloadPart).digest());
const build = (payload: unknown, secret = SECRET) => {
  const part = b64url(typeof payload === "string" ? payload : JSON.stringify(payload));
  return `${sign(part, secret)}.${part}`;
};
const META_EXAMPLE = { algorithm: "HMAC-SHA256", expires: 1291840400, issued_at: 1291836800, user_id: "218471" };

describe("parseSignedRequest", () => {
  it("accepts Meta's documented payload and returns the user id", () => {
    expect(parseSignedRequest(build(META_EXAMPLE), [SECRET])).toEqual({
      ok: true,
      payload: { algorithm: "HMAC-SHA256", userId: "218471", issuedAt: 1291836800 },
      signedBy: [0],
    });
  });

  it("names which secrets signed it (one app per secret; two apps may share one)", () => {
    const request = build(META_EXAMPLE, OTHER);
    expect(parseSignedRequest(request, [SECRET, OTHER])).toMatchObject({ ok: true, signedBy: [1] });
    expect(parseSignedRequest(request, [OTHER, OTHER])).toMatchObject({ ok: true, signedBy: [0, 1] });
  });

  it("accepts base64 padding on either part, a numeric user id and a lower-case algorithm", () => {
    const part = Buffer.from(JSON.stringify({ ...META_EXAMPLE, user_id: 218471, algorithm: "hmac-sha256" }))
      .toString("base64")
      .replace(/\+/g, "-")
      .replace(/\//g, "_");
    const signature = createHmac("sha256", SECRET).update(part).digest("base64").replace(/\+/g, "-").replace(/\//g, "_");
    expect(signature.endsWith("=")).toBe(true);
    expect(parseSignedRequest(`${signature}.${part}`, [SECRET])).toMatchObject({ ok: true, payload: { userId: "218471" } });
  });

  it("matches signRequest, which tests and replay tools use to build callbacks", () => {
    expect(signRequest(META_EXAMPLE, SECRET)).toBe(build(META_EXAMPLE));
  });

  it.each([
    ["no field", undefined, 400, "SIGNED_REQUEST_MISSING"],
    ["an empty field", "", 400, "SIGNED_REQUEST_MISSING"],
    ["not a string", ["a.b"], 400, "SIGNED_REQUEST_MISSING"],
    ["no dot", "abcdef", 400, "SIGNED_REQUEST_MALFORMED"],
    ["three parts", `${build(META_EXAMPLE)}.extra`, 400, "SIGNED_REQUEST_MALFORMED"],
    ["an empty payload", `${sign("")}.`, 400, "SIGNED_REQUEST_MALFORMED"],
    ["standard base64 characters", `${sign("a+b/")}.a+b/`, 400, "SIGNED_REQUEST_MALFORMED"],
    ["a signature with stray characters", `sig!.${b64url("{}")}`, 400, "SIGNED_REQUEST_MALFORMED"],
    ["no signature (unsigned)", `.${b64url(JSON.stringify(META_EXAMPLE))}`, 401, "SIGNATURE_MISSING"],
    ["the wrong secret", build(META_EXAMPLE, OTHER), 401, "BAD_SIGNATURE"],
    ["a truncated signature", build(META_EXAMPLE).slice(10), 401, "BAD_SIGNATURE"],
    [
      "a payload changed after signing",
      `${build(META_EXAMPLE).split(".")[0]}.${b64url(JSON.stringify({ ...META_EXAMPLE, user_id: "999" }))}`,
      401,
      "BAD_SIGNATURE",
    ],
    ["a signed payload that is not JSON", build("not json"), 400, "SIGNED_REQUEST_MALFORMED"],
    ["a signed JSON array", build("[1,2]"), 400, "SIGNED_REQUEST_MALFORMED"],
    ["another algorithm", build({ ...META_EXAMPLE, algorithm: "HMAC-SHA1" }), 400, "UNSUPPORTED_ALGORITHM"],
    ["no algorithm", build({ user_id: "218471", issued_at: 1 }), 400, "UNSUPPORTED_ALGORITHM"],
    ["no user id", build({ algorithm: "HMAC-SHA256", issued_at: 1 }), 400, "USER_ID_MISSING"],
    ["a user id that is not an id", build({ ...META_EXAMPLE, user_id: { id: 1 } }), 400, "USER_ID_MISSING"],
  ])("refuses %s", (_what, input, status, code) => {
    expect(parseSignedRequest(input, [SECRET])).toMatchObject({ ok: false, status, code, message: expect.any(String) });
  });

  it("never accepts an empty secret, nor a request when no secret is configured", () => {
    expect(parseSignedRequest(build(META_EXAMPLE, ""), [""])).toMatchObject({ ok: false, code: "BAD_SIGNATURE" });
    expect(parseSignedRequest(build(META_EXAMPLE), [])).toMatchObject({ ok: false, code: "BAD_SIGNATURE" });
  });
});
