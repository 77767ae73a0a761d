import { z } from "zod";
import { lenient, lenientList, lenientObject, PlatformId } from "../meta/json-fields.js";

/**
 * Instagram Messaging payloads. The webhook as the mapper reads it: `{object: "instagram", entry: [{id,
 * messaging: [{sender: {id}, timestamp, message | read | reaction | postback | ...}], changes}]}`.
 * Echoes of the business's sends arrive as messages with `is_echo`. Every level is lenient (see
 * json-fields), so one bad entry or event does not lose the others; times and texts stay raw for the mapper.
 */

export const IgMessage = z.looseObject({
  mid: lenient(PlatformId),
  text: z.unknown().optional(),
  is_echo: lenient(z.boolean()),
  is_deleted: lenient(z.boolean()),
  is_unsupported: lenient(z.boolean()),
  attachments: lenientList(z.looseObject({ type: z.unknown().optional() })),
});

// Messaging events that are not customer messages, by the key that carries them.
export const OTHER_EVENTS = ["read", "reaction", "postback", "referral", "optin", "delivery"] as const;

export const IgEvent = z.looseObject({
  sender: lenientObject({ id: lenient(PlatformId) }),
  timestamp: z.unknown().optional(),
  message: lenient(IgMessage),
  read: z.unknown().optional(),
  reaction: z.unknown().optional(),
  postback: z.unknown().optional(),
  referral: z.unknown().optional(),
  optin: z.unknown().optional(),
  delivery: z.unknown().optional(),
});
export type IgEvent = z.infer<typeof IgEvent>;

export const InstagramWebhook = z.looseObject({
  object: z.literal("instagram"),
  entry: lenientList(
    z.looseObject({
      id: lenient(PlatformId),
      changes: lenientList(z.looseObject({ field: z.unknown().optional() })),
      messaging: lenientList(IgEvent),
    }),
  ),
});

/** The Send API's answer: `{recipient_id, message_id}`; a missing id reads as undefined. */
export const IgSendResponse = z.looseObject({ message_id: lenient(PlatformId) });
