import { z } from "zod";
import { notFound } from "../../../../app/admin/admin-error.js";
import type { ConversationRecord, TranscriptMessage } from "../../../../ports/admin/conversation-store.js";
import { toPage } from "../../../../app/admin/page-cursor.js";
import { defineRoute } from "../admin-route.js";
import { businessParams, channelKind, conversationParams, id, iso, isoTime, pageQuery } from "../schemas.js";
import { pageCursor } from "./page-query.js";

export const conversation = z.object({
  id,
  businessId: id,
  channel: z.object({ id, kind: channelKind, name: z.string(), enabled: z.boolean() }),
  contact: z.object({ id, displayName: z.string().nullable() }),
  agentPaused: z.boolean(),
  pausedBy: z
    .string()
    .nullable()
    .describe(
      'Who paused the agent: "admin", "owner_phone" (the owner wrote from the business phone), "safety", "handoff", "persona_invalid" (the persona could not be used)',
    ),
  pausedUntil: isoTime.nullable().describe("When the agent resumes by itself (the owner's quiet time); null: until resumed"),
  unansweredCount: z.number().int(),
  state: z
    .enum(["waiting", "handed_off", "open", "resolved"])
    .describe(
      "waiting: customer messages the agent will not answer now (paused, taken over, handed off, or closed after the away message) wait for a person; handed_off: an open handoff, nothing waiting; open: the agent is answering; resolved: nothing left to answer",
    ),
  waitingUntil: isoTime
    .nullable()
    .describe("Closed after the away message: the agent answers the waiting messages at this opening unless a person does first"),
  tryIt: z
    .enum(["hours", "open"])
    .nullable()
    .describe("A console Try it chat (hours: follows the opening hours; open: as if open); null for customers"),
  preview: z
    .object({ text: z.string(), direction: z.enum(["inbound", "outbound"]), at: isoTime })
    .nullable()
    .describe("The newest message, cut short"),
  unread: z.boolean().describe("A customer message the calling API key has not marked read (POST .../read)"),
  handoff: z
    .object({ id, reason: z.string(), customerText: z.string().nullable() })
    .nullable()
    .describe("The newest open handoff, with the customer's words that led to it"),
  lastMessageAt: isoTime,
  createdAt: isoTime,
});
export const conversationJson = (c: ConversationRecord) => ({
  ...c,
  pausedUntil: c.pausedUntil ? iso(c.pausedUntil) : null,
  waitingUntil: c.waitingUntil ? iso(c.waitingUntil) : null,
  preview: c.preview ? { ...c.preview, at: iso(c.preview.at) } : null,
  lastMessageAt: iso(c.lastMessageAt),
  createdAt: iso(c.createdAt),
});

const message = z.object({
  id,
  seq: z.number().int(),
  direction: z.enum(["inbound", "outbound"]),
  author: z.enum(["customer", "agent", "human"]),
  status: z.string(),
  kind: z.string(),
  text: z.string(),
  error: z.string().nullable(),
  createdAt: isoTime,
});
const messageJson = (m: TranscriptMessage) => ({ ...m, createdAt: iso(m.createdAt) });
const TRANSCRIPT_MAX = 1000;

export const conversationRoutes = [
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/conversations",
    tag: "conversations",
    summary: "List conversations, most recent first",
    description:
      "Filters: channelId, contactId, status (paused: the agent is paused; active: it answers), unanswered=true (inbound messages not answered yet), state (see the state field), tryIt (true: only console Try it chats; false: only customers'), q (words of the contact's name or of a message; the last word may be the start of one). Pass nextCursor as cursor for the next page.",
    params: businessParams,
    query: z.object({
      channelId: id.optional(),
      contactId: id.optional(),
      status: z.enum(["paused", "active"]).optional(),
      unanswered: z.enum(["true", "false"]).optional(),
      state: z.enum(["waiting", "handed_off", "open", "resolved"]).optional(),
      tryIt: z.enum(["true", "false"]).optional(),
      q: z.string().trim().min(1, "must not be empty").max(100, "at most 100 characters").optional(),
      ...pageQuery,
    }),
    response: z.object({ items: z.array(conversation), nextCursor: z.string().nullable() }),
    errors: [404],
    async handler({ params, query, deps, caller, requireBusiness }) {
      await requireBusiness(params.businessId);
      if (query.channelId && !(await deps.store.channels.get(params.businessId, query.channelId))) throw notFound("channel");
      if (query.contactId && !(await deps.store.contacts.get(params.businessId, query.contactId))) throw notFound("contact");
      const rows = await deps.store.conversations.list({
        businessId: params.businessId,
        channelId: query.channelId,
        contactId: query.contactId,
        paused: query.status === undefined ? undefined : query.status === "paused",
        unanswered: query.unanswered === undefined ? undefined : query.unanswered === "true",
        state: query.state,
        tryIt: query.tryIt === undefined ? undefined : query.tryIt === "true",
        search: query.q,
        readerKeyId: caller.keyId,
        after: pageCursor(query.cursor),
        limit: query.limit + 1,
      });
      const page = toPage(rows, query.limit, (c) => ({ at: c.lastMessageAt, id: c.id }));
      return { items: page.items.map(conversationJson), nextCursor: page.nextCursor };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/conversations/:conversationId",
    tag: "conversations",
    summary: "Get a conversation",
    params: conversationParams,
    response: conversation,
    errors: [404],
    async handler({ params, deps, caller, requireBusiness }) {
      await requireBusiness(params.businessId);
      const found = await deps.store.conversations.get(params.businessId, params.conversationId, caller.keyId);
      if (!found) throw notFound("conversation");
      return conversationJson(found);
    },
  }),
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/conversations/:conversationId/messages",
    tag: "conversations",
    summary: "The transcript in order (seq); pass nextAfter as after for more",
    params: conversationParams,
    query: z.object({
      after: z.coerce.number().int().min(0).default(0),
      limit: z.coerce.number().int().min(1).max(TRANSCRIPT_MAX).default(TRANSCRIPT_MAX),
    }),
    response: z.object({ items: z.array(message), nextAfter: z.number().int().nullable() }),
    errors: [404],
    async handler({ params, query, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const messages = await deps.store.conversations.transcript(params.businessId, params.conversationId, query.after, query.limit + 1);
      if (!messages) throw notFound("conversation");
      const items = messages.slice(0, query.limit);
      return { items: items.map(messageJson), nextAfter: messages.length > query.limit ? items[items.length - 1]!.seq : null };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/businesses/:businessId/conversations/:conversationId/read",
    tag: "conversations",
    summary: "Mark the conversation read for the calling API key, up to seq (default: its newest message)",
    description:
      "Each staff API key has its own read marker per conversation; it only moves forward. unread in the conversation list is true while a customer message is after it.",
    params: conversationParams,
    body: z.object({ seq: z.number({ error: "must be a number" }).int().min(0).optional() }).default({}),
    response: z.object({ lastReadSeq: z.number().int() }),
    errors: [404],
    async handler({ params, body, deps, caller, requireBusiness }) {
      await requireBusiness(params.businessId);
      const marked = await deps.store.conversations.markRead(params.businessId, params.conversationId, caller.keyId, body.seq);
      if (!marked) throw notFound("conversation");
      return marked;
    },
  }),
];
