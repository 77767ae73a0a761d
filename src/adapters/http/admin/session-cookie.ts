import type { FastifyRequest } from "fastify";

/** The console's sign-in cookie: the admin API, the event stream and the queue dashboard all read it. */
export const SESSION_COOKIE = "parlor_session";

/** HttpOnly (no script reads it), SameSite=Strict (no other site makes the browser send it), Secure over HTTPS. */
export function sessionCookieOptions(request: FastifyRequest, maxAgeMs?: number) {
  return {
    path: "/",
    httpOnly: true,
    sameSite: "strict" as const,
    secure: request.protocol === "https",
    ...(maxAgeMs === undefined ? {} : { maxAge: Math.floor(maxAgeMs / 1000) }),
  };
}

/**
 * Whether the request's Origin is this site: the scheme and host the request came in on (as far
 * as TRUST_PROXY believes forwarded headers), or PUBLIC_BASE_URL's. A missing Origin is not this
 * site: browsers send one on every request that is not a GET or HEAD.
 */
export function sameOrigin(request: FastifyRequest, publicBaseUrl: string | undefined): boolean {
  const origin = request.headers.origin;
  if (typeof origin !== "string" || origin === "null") return false;
  if (origin === `${request.protocol}://${request.host}`) return true;
  if (!publicBaseUrl) return false;
  try {
    return origin === new URL(publicBaseUrl).origin;
  } catch {
    return false;
  }
}
