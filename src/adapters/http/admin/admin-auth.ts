import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import type { ApiKeyAuthenticator } from "../../../app/admin/authenticate-api-key.js";
import type { Caller } from "../../../app/admin/caller.js";
import type { ConsoleSessions, SessionCaller } from "../../../app/admin/console-sessions.js";
import { SESSION_COOKIE, sameOrigin } from "./session-cookie.js";

const UNAUTHORIZED = { error: { code: "UNAUTHORIZED", message: "a valid API key is required: Authorization: Bearer pk_..." } };
const OWNER_ONLY = { error: { code: "OWNER_ONLY", message: "this needs an owner key" } };
const CROSS_SITE = {
  error: {
    code: "CROSS_SITE_REQUEST",
    message: "a change sent with the console's sign-in cookie must come from the console's own site (Origin header)",
  },
};

/** Methods that change nothing: a cookie request needs no Origin check for them. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface AdminAuthOptions {
  /** Console sign-in cookies; without it only Bearer keys are accepted. */
  readonly sessions?: ConsoleSessions;
  /** PUBLIC_BASE_URL: its origin counts as the console's own, besides the request's (forwarded) host. */
  readonly publicBaseUrl?: string;
}

/**
 * The onRequest hook of every admin route (before the body is read) and the caller it established.
 * API clients send `Authorization: Bearer pk_...`; the console sends its session cookie (HttpOnly,
 * SameSite=Strict). A cookie request that changes something must also carry an Origin of this site:
 * SameSite already keeps other sites' requests cookie-less in current browsers, the Origin check
 * covers older ones and same-site subdomains.
 */
export class AdminAuth {
  private readonly callers = new WeakMap<FastifyRequest, Caller>();

  constructor(
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly options: AdminAuthOptions = {},
  ) {}

  /** Who is asking: by the Bearer header when there is one (it wins), else by the session cookie. */
  async identify(request: FastifyRequest): Promise<{ caller: Caller; session: SessionCaller | null } | null> {
    if (request.headers.authorization !== undefined) {
      const caller = await this.authenticator.authenticate(request.headers.authorization);
      return caller ? { caller, session: null } : null;
    }
    const token = cookieOf(request);
    if (!token || !this.options.sessions) return null;
    const session = await this.options.sessions.authenticate(token);
    return session ? { caller: session, session } : null;
  }

  hook(ownerOnly: boolean): onRequestAsyncHookHandler {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const found = await this.identify(request);
      // One body for every reason (missing, malformed, unknown, wrong secret, revoked, expired).
      if (!found)
        return reply.status(401).header("www-authenticate", 'Bearer realm="parlor-admin"').header("cache-control", "no-store").send(UNAUTHORIZED);
      if (found.session && !SAFE_METHODS.has(request.method) && !sameOrigin(request, this.options.publicBaseUrl))
        return reply.status(403).send(CROSS_SITE);
      if (ownerOnly && found.caller.businessId !== null) return reply.status(403).send(OWNER_ONLY);
      this.callers.set(request, found.caller);
    };
  }

  /** Whether the request's key or session still works (a long-lived stream checks it now and then). */
  async stillValid(request: FastifyRequest): Promise<boolean> {
    return (await this.identify(request)) !== null;
  }

  callerOf(request: FastifyRequest): Caller {
    const caller = this.callers.get(request);
    if (!caller) throw new Error("admin route reached without an authenticated caller");
    return caller;
  }

  /** The console session the request came with, when it came with one (not with a Bearer key). */
  sessionOf(request: FastifyRequest): SessionCaller | null {
    const caller = this.callers.get(request);
    return caller && "sessionId" in caller ? (caller as SessionCaller) : null;
  }
}

function cookieOf(request: FastifyRequest): string | undefined {
  return (request as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies?.[SESSION_COOKIE];
}
