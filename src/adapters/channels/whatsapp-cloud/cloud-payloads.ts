import { z } from "zod";
import { lenient, lenientList, lenientObject, PlatformId } from "../meta/json-fields.js";

/**
 * WhatsApp Cloud API payloads. The webhook as the mapper reads it:
 * `{object: "whatsapp_business_account", entry: [{changes: [{field: "messages", value: {metadata,
 * contacts, messages, statuses}}]}]}`. Every level is lenient (see json-fields), so one bad entry,
 * change, message or status does not lose the others; times and texts stay raw for the mapper.
 */

/** A message's media part (`image`, `audio`, `location`, ... keyed by the message's `type`). */
export const CloudMedia = z.looseObject({
  caption: lenient(z.string()),
  /** audio: a voice note rather than a file. */
  voice: lenient(z.boolean()),
  /** location */
  name: lenient(z.string()),
  address: lenient(z.string()),
});

export const CloudMessage = z.looseObject({
  id: lenient(PlatformId),
  from: lenient(PlatformId),
  type: lenient(z.string()),
  timestamp: z.unknown().optional(),
  text: lenientObject({ body: z.unknown().optional() }),
});
export type CloudMessage = z.infer<typeof CloudMessage>;

export const CloudStatus = z.looseObject({
  id: lenient(PlatformId),
  status: lenient(z.string()),
  timestamp: z.unknown().optional(),
  errors: lenientList(z.looseObject({ code: lenient(z.number()), title: lenient(z.string()) })),
});
export type CloudStatus = z.infer<typeof CloudStatus>;

const CloudValue = z.looseObject({
  metadata: lenientObject({ phone_number_id: lenient(PlatformId) }),
  contacts: lenientList(z.looseObject({ wa_id: lenient(PlatformId), profile: lenientObject({ name: z.unknown().optional() }) })),
  messages: lenientList(CloudMessage),
  statuses: lenientList(CloudStatus),
});

const CloudChange = z.looseObject({ field: z.unknown().optional(), value: lenient(CloudValue) });

export const CloudWebhook = z.looseObject({
  object: z.literal("whatsapp_business_account"),
  entry: lenientList(z.looseObject({ changes: lenientList(CloudChange) })),
});

/** The answer to `POST /{phone_number_id}/messages`: `{messages: [{id: "wamid..."}]}`; a missing id reads as undefined. */
export const CloudSendResponse = z.looseObject({ messages: lenientList(z.looseObject({ id: lenient(PlatformId) })) });
