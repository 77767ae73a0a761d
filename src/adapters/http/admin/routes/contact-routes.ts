import { z } from "zod";
import { notFound } from "../../../../app/admin/admin-error.js";
import type { ContactRecord } from "../../../../ports/admin/contact-store.js";
import { toPage } from "../../../../app/admin/page-cursor.js";
import { defineRoute } from "../admin-route.js";
import { businessParams, channelKind, contactParams, id, iso, isoTime, pageQuery } from "../schemas.js";
import { pageCursor } from "./page-query.js";
import { DISPLAY_NAME_MAX_CHARS, normaliseDisplayName } from "../../../../domain/message-text.js";

const contact = z.object({
  id,
  businessId: id,
  channel: z.object({ id, kind: channelKind, name: z.string() }),
  displayName: z.string().nullable(),
  platformUserId: z
    .string()
    .nullable()
    .describe("phone number or Instagram-scoped id; null for web chat, where the session id is the visitor's only credential"),
  createdAt: isoTime,
});
const contactDetail = contact.extend({ conversations: z.array(z.object({ id, agentPaused: z.boolean(), lastMessageAt: isoTime })) });

const toJson = (c: ContactRecord) => ({
  ...c,
  // A web chat session id lets anyone read that visitor's chat: it is not shown, even to the business.
  platformUserId: c.channel.kind === "webchat" ? null : c.platformUserId,
  createdAt: iso(c.createdAt),
});

export const contactRoutes = [
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/contacts",
    tag: "contacts",
    summary: "List contacts, newest first",
    params: businessParams,
    query: z.object({ channelId: id.optional(), ...pageQuery }),
    response: z.object({ items: z.array(contact), nextCursor: z.string().nullable() }),
    errors: [404],
    async handler({ params, query, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      if (query.channelId && !(await deps.store.channels.get(params.businessId, query.channelId))) throw notFound("channel");
      const rows = await deps.store.contacts.list({
        businessId: params.businessId,
        channelId: query.channelId,
        after: pageCursor(query.cursor),
        limit: query.limit + 1,
      });
      const page = toPage(rows, query.limit, (c) => ({ at: c.createdAt, id: c.id }));
      return { items: page.items.map(toJson), nextCursor: page.nextCursor };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/contacts/:contactId",
    tag: "contacts",
    summary: "Get a contact with its conversations",
    params: contactParams,
    response: contactDetail,
    errors: [404],
    async handler({ params, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const found = await deps.store.contacts.get(params.businessId, params.contactId);
      if (!found) throw notFound("contact");
      return { ...toJson(found), conversations: found.conversations.map((c) => ({ ...c, lastMessageAt: iso(c.lastMessageAt) })) };
    },
  }),
  defineRoute({
    method: "PATCH",
    path: "/businesses/:businessId/contacts/:contactId",
    tag: "contacts",
    summary: "Name the contact (how staff see them in the inbox); null clears the name",
    description: "The name is cleaned like a message (control characters removed) and cut to 80 characters; a name of only spaces clears it.",
    params: contactParams,
    body: z.object({ displayName: z.string({ error: "must be a string or null" }).max(1000, "at most 1000 characters").nullable() }),
    response: contact,
    errors: [404],
    async handler({ params, body, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const name = body.displayName === null ? null : (normaliseDisplayName(body.displayName, DISPLAY_NAME_MAX_CHARS) ?? null);
      if (!(await deps.store.contacts.rename(params.businessId, params.contactId, name))) throw notFound("contact");
      const found = await deps.store.contacts.get(params.businessId, params.contactId);
      if (!found) throw notFound("contact");
      return toJson(found);
    },
  }),
];
