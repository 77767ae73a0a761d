import { z } from "zod";
import { cleanText } from "../../../domain/clean-text.js";

// Shared pieces of the admin API's request and response schemas.

export const id = z.uuid({ error: "must be a UUID" });
export const isoTime = z.iso.datetime();
export const iso = (date: Date): string => date.toISOString();

/** One-line text (a name): cleaned, trimmed, 1..max characters. */
export const label = (max: number) =>
  z
    .string()
    .overwrite((v) => cleanText(v).replace(/\s+/g, " ").trim())
    .min(1, "must not be empty")
    .max(max, `at most ${max} characters`);

/** Multi-line text (a persona): cleaned, trimmed, 1..max characters. */
export const longText = (max: number) =>
  z
    .string()
    .overwrite((v) => cleanText(v).trim())
    .min(1, "must not be empty")
    .max(max, `at most ${max} characters`);

export const businessParams = z.object({ businessId: id });
export const personaParams = businessParams.extend({ personaId: id });
export const versionParams = personaParams.extend({ version: z.coerce.number().int().min(1).max(1_000_000) });
export const channelParams = businessParams.extend({ channelId: id });
export const conversationParams = businessParams.extend({ conversationId: id });
export const contactParams = businessParams.extend({ contactId: id });
export const handoffParams = businessParams.extend({ handoffId: id });

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(300).optional(),
};

export const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string().describe("What is wrong, in plain words for people (no field paths or codes)"),
    field: z
      .string()
      .optional()
      .describe("The request field the error is about, e.g. body.name (the first one when there are several: see details.problems)"),
    details: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.record(z.string(), z.union([z.string(), z.number()])))]))
      .optional(),
  }),
});

export const channelKind = z.enum(["webchat", "whatsapp_web", "whatsapp_cloud", "instagram"]);
