import { z } from "zod";
import { notFound } from "../../../../app/admin/admin-error.js";
import { eraseContacts, subjectHash } from "../../../../app/admin/erase-contacts.js";
import { defineRoute } from "../admin-route.js";
import { NO_PSEUDONYMS } from "../admin-deps.js";
import { contactParams } from "../schemas.js";

export const erasureRoutes = [
  defineRoute({
    method: "POST",
    path: "/businesses/:businessId/contacts/:contactId/erase",
    tag: "contacts",
    summary: "Erase a contact with all their conversations and messages",
    description:
      "Deletes the contact, their conversations, messages, replies, outbox entries, turns, handoffs and flags in one transaction, and removes their queued jobs and conversation locks from Redis. A turn running for them at that moment stores nothing. What is kept is an erasure record with the confirmation code, an HMAC (PSEUDONYM_KEY) of channel kind and platform user id, or nothing when no key is set, and the number of messages erased. A later message from the same person starts a new contact. 503 when Redis or PostgreSQL is unreachable: nothing was deleted, ask again.",
    params: contactParams,
    response: z.object({
      confirmationCode: z.string(),
      status: z.enum(["completed"]),
      erasedMessages: z.number().int(),
    }),
    errors: [404],
    async handler({ params, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const contact = await deps.store.erasures.findContact(params.businessId, params.contactId);
      if (!contact) throw notFound("contact");
      return eraseContacts(
        { store: deps.store.erasures, work: deps.queuedWork, logger: deps.logger },
        {
          source: "admin",
          subjectHash: subjectHash(deps.pseudonyms ?? NO_PSEUDONYMS, contact.channelKind, contact.platformUserId),
          contactIds: [contact.id],
        },
      );
    },
  }),
];
