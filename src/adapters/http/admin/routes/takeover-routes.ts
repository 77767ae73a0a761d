import { z } from "zod";
import { notFound } from "../../../../app/admin/admin-error.js";
import { answerWaiting } from "../../../../app/admin/answer-waiting.js";
import { sendHumanReply } from "../../../../app/admin/send-human-reply.js";
import { defineRoute } from "../admin-route.js";
import { conversationParams, id, iso, isoTime } from "../schemas.js";
import { conversation, conversationJson } from "./conversation-routes.js";

// Human takeover: pause the agent, answer as a person through the same channel, hand back.
const pauseRoute = (paused: boolean) =>
  defineRoute({
    method: "POST",
    path: `/businesses/:businessId/conversations/:conversationId/${paused ? "pause" : "resume"}`,
    tag: "conversations",
    summary: paused ? "Pause the agent in this conversation (a person takes over)" : "Resume the agent in this conversation",
    ...(paused
      ? {}
      : {
          description:
            "Also resolves the conversation's open handoffs, and queues the agent's turn at once for the customer's messages still waiting (outside opening hours they keep waiting for the opening).",
        }),
    params: conversationParams,
    response: conversation,
    errors: [404],
    async handler({ params, deps, caller, requireBusiness }) {
      await requireBusiness(params.businessId);
      const updated = await deps.store.conversations.setPaused(params.businessId, params.conversationId, paused, caller.keyId);
      if (!updated) throw notFound("conversation");
      if (!paused)
        await answerWaiting(
          { conversations: deps.store.conversations, requeueTurn: deps.requeueTurn, logger: deps.logger },
          params.businessId,
          params.conversationId,
        );
      return conversationJson(updated);
    },
  });

export const takeoverRoutes = [
  pauseRoute(true),
  pauseRoute(false),
  defineRoute({
    method: "POST",
    path: "/businesses/:businessId/conversations/:conversationId/messages",
    tag: "conversations",
    summary: "Send a message as a person through the conversation's channel",
    description:
      'Stores the message and its outbox entry in one transaction and marks the customer\'s pending messages as answered by it, so the agent does not answer them too. delivery is "deferred" when the message is stored but could not be handed to delivery yet.',
    params: conversationParams,
    // The text is checked by the same rules as customer messages (normalised, MAX_MESSAGE_CHARS).
    body: z.object({ text: z.string({ error: "must be a string" }) }),
    response: z.object({
      messageId: id,
      outboxId: id,
      seq: z.number().int(),
      answeredCount: z.number().int(),
      delivery: z.enum(["queued", "deferred"]),
      createdAt: isoTime,
    }),
    status: 202,
    errors: [404, 409, 413],
    async handler({ params, body, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const sent = await sendHumanReply({ ...deps, conversations: deps.store.conversations }, params.businessId, params.conversationId, body.text);
      return { ...sent, createdAt: iso(sent.createdAt) };
    },
  }),
];
