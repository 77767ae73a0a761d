import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import type { ApiKeyAuthenticator } from "../../admin/authenticate-api-key.js";
import type { Caller } from "../../admin/caller.js";

const UNAUTHORIZED = { error: { code: "UNAUTHORIZED", message: "a valid API key is required: Authorization: Bearer pk_..." } };
const OWNER_ONLY = { error: { code: "OWNER_ONLY", message: "this needs an owner key" } };

/** The onRequest hook of every admin route (before the body is read) and the caller it established. */
export class AdminAuth {
  private readonly callers = new WeakMap<FastifyRequest, Caller>();

  constructor(private readonly authenticator: ApiKeyAuthenticator) {}

  hook(ownerOnly: boolean): onRequestAsyncHookHandler {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const caller = await this.authenticator.authenticate(request.headers.authorization);
      // One body for every reason (missing, malformed, unknown, wrong secret, revoked).
      if (!caller) return reply.status(401).header("www-authenticate", 'Bearer realm="parlor-admin"').send(UNAUTHORIZED);
      if (ownerOnly && caller.businessId !== null) return reply.status(403).send(OWNER_ONLY);
      this.callers.set(request, caller);
    };
  }

  /** Whether the request's key still works (a long-lived stream checks it now and then). */
  async stillValid(request: FastifyRequest): Promise<boolean> {
    return (await this.authenticator.authenticate(request.headers.authorization)) !== null;
  }

  callerOf(request: FastifyRequest): Caller {
    const caller = this.callers.get(request);
    if (!caller) throw new Error("admin route reached without an authenticated caller");
    return caller;
  }
}
