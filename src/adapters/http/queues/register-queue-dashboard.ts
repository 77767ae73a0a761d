import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { FastifyAdapter } from "@bull-board/fastify";
import fastifyCookie from "@fastify/cookie";
import type { Queue } from "bullmq";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AdminAuth } from "../admin/admin-auth.js";
import { sameOrigin } from "../admin/session-cookie.js";
import { selfHostedBoardViews } from "./board-views.js";

export const QUEUE_DASHBOARD_PATH = "/admin/queues";

export interface QueueDashboardDeps {
  readonly queues: readonly Queue[];
  /** The admin API's auth: the console's session cookie (or a Bearer key) gets in. */
  readonly auth: AdminAuth;
  readonly publicBaseUrl?: string;
}

const NO_SESSION = { error: { code: "UNAUTHORIZED", message: "sign in to the console with an owner key first, then open Queues from it" } };
const OWNER_ONLY = { error: { code: "OWNER_ONLY", message: "the queue dashboard needs an owner key: its jobs span every business" } };
const CROSS_SITE = {
  error: { code: "CROSS_SITE_REQUEST", message: "a change to the queues must come from the dashboard's own site (Origin header)" },
};
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * BullMQ's dashboard (bull-board) under /admin/queues, for owner keys only (the jobs hold only
 * ids, but of every business). It is a page opened by navigation: it reads the console's own
 * session cookie (HttpOnly, SameSite=Strict), and its own changes (retry, clean) must carry this
 * site's Origin. Every request re-checks the session and its key. Its fonts are served from here
 * (board-views.ts): the page makes no request to another host.
 */
export function registerQueueDashboard(app: FastifyInstance, deps: QueueDashboardDeps): void {
  void app.register(async (scope) => {
    await scope.register(fastifyCookie);
    scope.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
      const found = await deps.auth.identify(request);
      if (!found) return reply.status(401).header("cache-control", "no-store").send(NO_SESSION);
      if (found.caller.businessId !== null) return reply.status(403).header("cache-control", "no-store").send(OWNER_ONLY);
      if (found.session && !SAFE_METHODS.has(request.method) && !sameOrigin(request, deps.publicBaseUrl)) return reply.status(403).send(CROSS_SITE);
      void reply.header("referrer-policy", "no-referrer").header("x-frame-options", "DENY").header("x-content-type-options", "nosniff");
    });
    const views = selfHostedBoardViews();
    scope.get(`${QUEUE_DASHBOARD_PATH}/fonts/:file`, async (request, reply) => {
      const font = views.fonts.get((request.params as { file: string }).file);
      if (!font) return reply.status(404).send({ error: { code: "NOT_FOUND", message: "no such font" } });
      const file = (request.params as { file: string }).file;
      return reply
        .header("content-type", file.endsWith(".css") ? "text/css; charset=utf-8" : "font/woff2")
        .header("cache-control", "public, max-age=604800")
        .send(font);
    });
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
    createBullBoard({
      queues: deps.queues.map((queue) => new BullMQAdapter(queue)),
      serverAdapter,
      options: { uiConfig: { boardTitle: "Parlor queues" } },
    });
    // After createBullBoard, which sets its own views folder.
    serverAdapter.setViewsPath(views.viewsDir);
    await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
  });
}
