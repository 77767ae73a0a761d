import { z } from "zod";
import { notFound } from "../../../../app/admin/admin-error.js";
import type { HandoffRecord } from "../../../../ports/admin/handoff-store.js";
import type { ReplyFlagRecord } from "../../../../ports/admin/reply-flag-store.js";
import { answerWaiting } from "../../../../app/admin/answer-waiting.js";
import { toPage } from "../../../../app/admin/page-cursor.js";
import { defineRoute } from "../admin-route.js";
import { businessParams, handoffParams, id, iso, isoTime, pageQuery } from "../schemas.js";
import { pageCursor } from "./page-query.js";

// Conversations the guardrails handed to a person, and model replies they replaced.
const handoff = z.object({
  id,
  businessId: id,
  conversationId: id,
  reason: z.string(),
  notify: z.string(),
  status: z.enum(["pending", "notified", "failed", "resolved"]),
  error: z.string().nullable(),
  noticeMessageId: id.nullable(),
  agentPaused: z.boolean(),
  contactName: z.string().nullable().describe("Who: the contact's display name, null when none is known"),
  customerText: z.string().nullable().describe("The customer's own words that led to the handoff (their newest message up to it), cut short"),
  createdAt: isoTime,
  notifiedAt: isoTime.nullable(),
  resolvedAt: isoTime.nullable(),
});
const handoffJson = (h: HandoffRecord) => ({
  ...h,
  createdAt: iso(h.createdAt),
  notifiedAt: h.notifiedAt ? iso(h.notifiedAt) : null,
  resolvedAt: h.resolvedAt ? iso(h.resolvedAt) : null,
});

const replyFlag = z.object({
  id,
  businessId: id,
  conversationId: id,
  replyId: id,
  reason: z.string(),
  modelText: z.string(),
  sentText: z.string(),
  createdAt: isoTime,
});
const replyFlagJson = (f: ReplyFlagRecord) => ({ ...f, createdAt: iso(f.createdAt) });
const byCreated = (row: { createdAt: Date; id: string }) => ({ at: row.createdAt, id: row.id });

export const handoffRoutes = [
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/handoffs",
    tag: "handoffs",
    summary: "List handoffs, newest first",
    description:
      "A handoff is a conversation the agent handed to a person (the customer asked for one, a refund, a complaint, a reply that contradicted the persona's facts, a safety escalation); the agent is paused there. status: pending (notice to the owner not sent yet), notified, failed (see error), resolved; open = anything not resolved. Pass nextCursor as cursor for the next page.",
    params: businessParams,
    query: z.object({
      status: z.enum(["open", "pending", "notified", "failed", "resolved"]).optional(),
      conversationId: id.optional(),
      ...pageQuery,
    }),
    response: z.object({ items: z.array(handoff), nextCursor: z.string().nullable() }),
    errors: [404],
    async handler({ params, query, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      if (query.conversationId && !(await deps.store.conversations.get(params.businessId, query.conversationId))) throw notFound("conversation");
      const rows = await deps.store.handoffs.list({
        businessId: params.businessId,
        status: query.status,
        conversationId: query.conversationId,
        after: pageCursor(query.cursor),
        limit: query.limit + 1,
      });
      const page = toPage(rows, query.limit, byCreated);
      return { items: page.items.map(handoffJson), nextCursor: page.nextCursor };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/businesses/:businessId/handoffs/:handoffId/resolve",
    tag: "handoffs",
    summary: "Mark a handoff resolved; resume: true also lets the agent answer in that conversation again",
    description:
      "Resolving an already resolved handoff changes nothing (its resolvedAt stays). Without resume the agent stays paused, so a person can keep answering. With resume the conversation's other open handoffs are resolved too, and the agent's turn is queued at once for the customer's messages still waiting.",
    params: handoffParams,
    body: z.object({ resume: z.boolean({ error: "must be true or false" }).default(false) }).default({ resume: false }),
    response: handoff,
    errors: [404],
    async handler({ params, body, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const resolved = await deps.store.handoffs.resolve(params.businessId, params.handoffId, body.resume);
      if (!resolved) throw notFound("handoff");
      if (body.resume)
        await answerWaiting(
          { conversations: deps.store.conversations, requeueTurn: deps.requeueTurn, logger: deps.logger },
          params.businessId,
          resolved.conversationId,
        );
      return handoffJson(resolved);
    },
  }),
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/reply-flags",
    tag: "handoffs",
    summary: "Model replies the guardrails replaced, newest first: what the model said and what was sent instead",
    description:
      "reason says which check failed (system-prompt-leak, blocklist: <term>, claims-human, contradicts-facts: <figures>...). Pass nextCursor as cursor for the next page.",
    params: businessParams,
    query: z.object({ conversationId: id.optional(), ...pageQuery }),
    response: z.object({ items: z.array(replyFlag), nextCursor: z.string().nullable() }),
    errors: [404],
    async handler({ params, query, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      if (query.conversationId && !(await deps.store.conversations.get(params.businessId, query.conversationId))) throw notFound("conversation");
      const rows = await deps.store.replyFlags.list({
        businessId: params.businessId,
        conversationId: query.conversationId,
        after: pageCursor(query.cursor),
        limit: query.limit + 1,
      });
      const page = toPage(rows, query.limit, byCreated);
      return { items: page.items.map(replyFlagJson), nextCursor: page.nextCursor };
    },
  }),
];
