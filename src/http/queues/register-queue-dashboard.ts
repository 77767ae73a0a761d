import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { FastifyAdapter } from "@bull-board/fastify";
import fastifyCookie from "@fastify/cookie";
import type { Queue } from "bullmq";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ApiKeyAuthenticator } from "../../admin/authenticate-api-key.js";
import type { DashboardSessions } from "../../admin/dashboard-sessions.js";
import { AdminAuth } from "../admin/admin-auth.js";

export const QUEUE_DASHBOARD_PATH = "/admin/queues";
export const DASHBOARD_COOKIE = "parlor_queues";

export interface QueueDashboardDeps {
  readonly queues: readonly Queue[];
  readonly authenticator: ApiKeyAuthenticator;
  readonly sessions: DashboardSessions;
}

const NO_SESSION = { error: { code: "UNAUTHORIZED", message: "open the queue dashboard from the console with an owner key (POST /admin/queues/session with Authorization: Bearer pk_...)" } };
const OWNER_ONLY = { error: { code: "OWNER_ONLY", message: "the queue dashboard needs an owner key: its jobs span every business" } };

/**
 * BullMQ's dashboard (bull-board) under /admin/queues, for owner keys only (the jobs hold only
 * ids, but of every business). A page opened by navigation cannot send a Bearer header, so the
 * console first POSTs the key to /admin/queues/session (checked by the admin API's own auth) and
 * gets a short-lived session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site
 * can make the browser send it, which also keeps the dashboard's own POSTs safe from CSRF), and
 * scoped to this path. Every dashboard request re-checks that the key is still valid.
 */
export function registerQueueDashboard(app: FastifyInstance, deps: QueueDashboardDeps): void {
  const adminAuth = new AdminAuth(deps.authenticator);
  void app.register(async (scope) => {
    await scope.register(fastifyCookie);
    const cookieOptions = (request: FastifyRequest) => ({ path: QUEUE_DASHBOARD_PATH, httpOnly: true, sameSite: "strict" as const, secure: request.protocol === "https" });

    scope.post(`${QUEUE_DASHBOARD_PATH}/session`, { onRequest: adminAuth.hook(true) }, async (request, reply) => {
      const { token, expiresAt } = await deps.sessions.open(adminAuth.callerOf(request));
      void reply.setCookie(DASHBOARD_COOKIE, token, { ...cookieOptions(request), maxAge: Math.floor(deps.sessions.ttlMs / 1000) });
      return reply.header("cache-control", "no-store").send({ url: `${QUEUE_DASHBOARD_PATH}/`, expiresAt: expiresAt.toISOString() });
    });
    scope.delete(`${QUEUE_DASHBOARD_PATH}/session`, async (request, reply) => {
      await deps.sessions.close(request.cookies[DASHBOARD_COOKIE]);
      void reply.clearCookie(DASHBOARD_COOKIE, cookieOptions(request));
      return reply.status(204).send();
    });

    await scope.register(async (board) => {
      board.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
        const keyId = await deps.sessions.keyIdOf(request.cookies[DASHBOARD_COOKIE]);
        const caller = keyId ? await deps.authenticator.recheck(keyId) : null;
        if (!caller) return reply.status(401).header("cache-control", "no-store").send(NO_SESSION);
        if (caller.businessId !== null) return reply.status(403).header("cache-control", "no-store").send(OWNER_ONLY);
        void reply.header("referrer-policy", "no-referrer").header("x-frame-options", "DENY").header("x-content-type-options", "nosniff");
      });
      const serverAdapter = new FastifyAdapter();
      serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
      createBullBoard({
        queues: deps.queues.map((queue) => new BullMQAdapter(queue)),
        serverAdapter,
        options: { uiConfig: { boardTitle: "Parlor queues" } },
      });
      await board.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
    });
  });
}
