import { createHmac, timingSafeEqual } from "node:crypto";

// Meta's signed_request (data-deletion callback, deauthorize callback): base64url(signature) "."
// base64url(payload JSON); the signature is HMAC-SHA256 of the payload part, as sent, under the app
// secret. Meta's examples decode with strtr('-_', '+/'); padding may or may not be there.

export interface SignedRequestPayload {
  readonly algorithm: "HMAC-SHA256";
  /** App-scoped id of the person (personal data: never log it). */
  readonly userId: string;
  readonly issuedAt: number | undefined;
}

export type SignedRequestFailure =
  | { readonly status: 400; readonly code: "SIGNED_REQUEST_MISSING" | "SIGNED_REQUEST_MALFORMED" | "UNSUPPORTED_ALGORITHM" | "USER_ID_MISSING" }
  | { readonly status: 401; readonly code: "SIGNATURE_MISSING" | "BAD_SIGNATURE" };

export type SignedRequestResult =
  | { readonly ok: true; readonly payload: SignedRequestPayload /** Indexes of the secrets that signed it. */; readonly signedBy: readonly number[] }
  | ({ readonly ok: false; readonly message: string } & SignedRequestFailure);

const PART = /^[A-Za-z0-9_-]+={0,2}$/;
const SIGNATURE_BYTES = 32;

/** Checks a signed_request against each app secret (constant time) and returns its payload. */
export function parseSignedRequest(signedRequest: unknown, appSecrets: readonly string[]): SignedRequestResult {
  if (typeof signedRequest !== "string" || signedRequest.length === 0) return fail(400, "SIGNED_REQUEST_MISSING", "signed_request is missing");
  const dot = signedRequest.indexOf(".");
  if (dot < 0 || signedRequest.indexOf(".", dot + 1) >= 0)
    return fail(400, "SIGNED_REQUEST_MALFORMED", "signed_request must be <signature>.<payload>");
  const [encodedSig, payloadPart] = [signedRequest.slice(0, dot), signedRequest.slice(dot + 1)];
  if (!PART.test(payloadPart)) return fail(400, "SIGNED_REQUEST_MALFORMED", "the payload part is not base64url");
  if (encodedSig.length === 0) return fail(401, "SIGNATURE_MISSING", "signed_request is not signed");
  if (!PART.test(encodedSig)) return fail(400, "SIGNED_REQUEST_MALFORMED", "the signature part is not base64url");
  const signature = Buffer.from(encodedSig, "base64url");
  const signedBy: number[] = [];
  appSecrets.forEach((secret, index) => {
    if (secret.length === 0) return;
    const expected = createHmac("sha256", secret).update(payloadPart).digest();
    if (signature.length === SIGNATURE_BYTES && timingSafeEqual(signature, expected)) signedBy.push(index);
  });
  if (signedBy.length === 0) return fail(401, "BAD_SIGNATURE", "the signature does not match the app secret");

  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(payloadPart, "base64url").toString("utf8"));
  } catch {
    return fail(400, "SIGNED_REQUEST_MALFORMED", "the payload is not JSON");
  }
  if (!data || typeof data !== "object" || Array.isArray(data)) return fail(400, "SIGNED_REQUEST_MALFORMED", "the payload is not a JSON object");
  const fields = data as Record<string, unknown>;
  if (typeof fields.algorithm !== "string" || fields.algorithm.toUpperCase() !== "HMAC-SHA256") {
    return fail(400, "UNSUPPORTED_ALGORITHM", "algorithm must be HMAC-SHA256");
  }
  const userId = typeof fields.user_id === "number" && Number.isSafeInteger(fields.user_id) ? String(fields.user_id) : fields.user_id;
  if (typeof userId !== "string" || !/^[A-Za-z0-9_.:-]{1,128}$/.test(userId)) return fail(400, "USER_ID_MISSING", "user_id is missing or not an id");
  const issuedAt = typeof fields.issued_at === "number" && Number.isFinite(fields.issued_at) ? fields.issued_at : undefined;
  return { ok: true, payload: { algorithm: "HMAC-SHA256", userId, issuedAt }, signedBy };
}

/** Builds a signed_request the way Meta does (tests, and tools that replay a callback). */
export function signRequest(payload: Record<string, unknown>, appSecret: string): string {
  const payloadPart = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return `${createHmac("sha256", appSecret).update(payloadPart).digest("base64url")}.${payloadPart}`;
}

function fail<S extends SignedRequestFailure["status"]>(
  status: S,
  code: Extract<SignedRequestFailure, { status: S }>["code"],
  message: string,
): SignedRequestResult {
  return { ok: false, status, code, message } as SignedRequestResult;
}
