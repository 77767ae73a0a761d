// Failures of fetch (undici) that happen before any byte of the request is written: connecting
// was refused, the name did not resolve, the connection or TLS handshake never completed. The
// server cannot have acted on such a request. Anything else (a timeout or abort after connecting,
// "other side closed" (UND_ERR_SOCKET), ECONNRESET) may come after the server read the request.
const NEVER_WRITTEN = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_FAIL",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** The code that says why fetch failed (`TypeError: fetch failed` keeps it in `cause`), if any. */
export function fetchFailureCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    const name = (e as { name?: unknown }).name;
    if (name === "TimeoutError" || name === "AbortError") return name;
  }
  return undefined;
}

/** True only when the request provably never left: the server cannot have processed it. */
export function requestNeverWritten(error: unknown): boolean {
  const code = fetchFailureCode(error);
  return code !== undefined && NEVER_WRITTEN.has(code);
}
