import { eventFrame, KEEP_ALIVE_FRAME, openEventStream } from "../event-stream.js";
import type { ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import type { ConversationEvents } from "../../../ports/conversation-events.js";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AdminAuth } from "./admin-auth.js";
import type { AdminApiDeps } from "./admin-deps.js";
import { requireBusiness } from "./mount-admin-routes.js";
import { ERRORS_KEY } from "./openapi.js";
import { businessParams } from "./schemas.js";

const DEFAULT_HEARTBEAT_MS = 25_000;
export const CONVERSATION_EVENTS_PATH = "/businesses/:businessId/events";

/**
 * GET /api/admin/businesses/:businessId/events: Server-Sent Events, one `conversation` event
 * ({conversationId}) whenever a conversation of the business changes (a message stored, answered,
 * sent or failed). Ids only: the console fetches what changed through the JSON API. Same auth and
 * scoping as every admin route; the console reads it with fetch(), which can send the key.
 */
export function registerConversationEventsRoute(scope: FastifyInstance, deps: AdminApiDeps, auth: AdminAuth): void {
  scope.withTypeProvider<ZodTypeProvider>().route({
    method: "GET",
    url: CONVERSATION_EVENTS_PATH,
    exposeHeadRoute: false,
    onRequest: auth.hook(false),
    schema: {
      operationId: "getBusinessesByBusinessIdEvents",
      tags: ["conversations"],
      summary: "Server-Sent Events: `conversation` ({conversationId}) whenever a conversation of the business changes; `ready` once subscribed",
      params: businessParams,
      response: { 200: { description: "An event stream", content: { "text/event-stream": { schema: z.string() } } } },
      [ERRORS_KEY]: [404],
    },
    handler: async (request, reply) => {
      const { businessId } = request.params;
      await requireBusiness(deps, auth.callerOf(request), businessId);
      reply.hijack();
      await streamEvents(reply.raw, deps.events, businessId, deps.eventsHeartbeatMs ?? DEFAULT_HEARTBEAT_MS, () => auth.stillValid(request));
    },
  });
}

/** `keyStillValid` is asked at every heartbeat: a revoked key ends the stream. */
async function streamEvents(
  res: ServerResponse,
  events: ConversationEvents,
  businessId: string,
  heartbeatMs: number,
  keyStillValid: () => Promise<boolean>,
): Promise<void> {
  openEventStream(res, 3000);
  let unsubscribe: (() => Promise<void>) | undefined;
  const heartbeat = setInterval(() => {
    void keyStillValid().then(
      (valid) => (valid ? res.write(KEEP_ALIVE_FRAME) : res.end()),
      () => res.write(KEEP_ALIVE_FRAME),
    );
  }, heartbeatMs);
  res.on("close", () => {
    clearInterval(heartbeat);
    void unsubscribe?.();
  });
  try {
    unsubscribe = await events.subscribe(businessId, (event) => res.write(eventFrame("conversation", { conversationId: event.conversationId })));
  } catch {
    // Redis is unreachable: end the stream; the console keeps polling and reconnects later.
    res.end();
    return;
  }
  if (res.destroyed) await unsubscribe();
  else res.write(eventFrame("ready", {}));
}
