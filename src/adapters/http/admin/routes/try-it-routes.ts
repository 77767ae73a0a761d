import { randomBytes } from "node:crypto";
import { z } from "zod";
import { notFound } from "../../../../app/admin/admin-error.js";
import { InputError } from "../../../../domain/errors.js";
import { defineRoute } from "../admin-route.js";
import { businessParams, id } from "../schemas.js";

// The console's Try it: a web chat session the business starts itself, kept apart from customers'
// conversations in the inbox, optionally answered as if the business were open.
export const tryItRoutes = [
  defineRoute({
    method: "POST",
    path: "/businesses/:businessId/try-it",
    tag: "conversations",
    summary: "Start a Try it chat: a web chat session of the business's own, shown apart from customers'",
    description:
      "Returns a web chat session id to write with (POST /api/webchat/:channelKey/messages, the customer's route). asIfOpen: true answers as if the business were open, whatever its opening hours; false follows them (outside hours the away message, then the messages wait like a customer's). The conversation is listed with tryIt set, and left out with tryIt=false.",
    params: businessParams,
    body: z.object({ asIfOpen: z.boolean({ error: "must be true or false" }).default(false), channelId: id.optional() }).default({ asIfOpen: false }),
    response: z.object({ conversationId: id, sessionId: z.string(), channelKey: z.string(), tryIt: z.enum(["hours", "open"]) }),
    status: 201,
    errors: [404, 409],
    async handler({ params, body, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const channels = (await deps.store.channels.list(params.businessId)).filter(
        (c) => c.kind === "webchat" && (body.channelId ? c.id === body.channelId : true),
      );
      if (body.channelId && channels.length === 0) throw notFound("channel");
      const channel = channels.find((c) => c.enabled);
      if (!channel) throw new InputError("NO_WEBCHAT_CHANNEL", "Try it needs a web chat channel that is turned on", 409);
      const sessionId = randomBytes(24).toString("base64url");
      const tryIt = body.asIfOpen ? ("open" as const) : ("hours" as const);
      const { conversationId } = await deps.store.conversations.startTryIt(params.businessId, channel.id, sessionId, tryIt);
      return { conversationId, sessionId, channelKey: channel.platformAccountId, tryIt };
    },
  }),
];
