import { z } from "zod";

/**
 * How the agent behaves for one business, stored with the business (Business.settings, JSON) and
 * read on every turn. A setting absent from the stored object takes its default; a stored value
 * this schema would refuse (written by hand, or by an older version) also falls back to it, so a
 * bad row never stops a business's turns.
 */
export const BUSINESS_SETTING_DEFAULTS = {
  /** Said, without the model, when a customer sent only photos, voice notes, stickers... */
  nonTextReply: "Thanks! I can only read text messages for now. Could you write your question in a message?",
  /** The agent stays quiet in a conversation this long after the owner wrote there from the business phone (fractions allowed). */
  ownerQuietMinutes: 30,
  /** A turn waits until the newest message is this old, so a burst gets one answer. */
  turnDebounceMs: 800,
  /** Longest reply the model may write, in tokens. */
  replyMaxTokens: 256,
  /** Sampling temperature: 0 always picks the likeliest token, higher is more varied. */
  temperature: 0.7,
  /** Prompt tokens held back from the history for the business's knowledge passages (0: none). */
  knowledgeBudgetTokens: 300,
} as const;

export const NON_TEXT_REPLY_MAX_CHARS = 1000;

/** The limits each setting is held to, by the admin API and when read back. */
export const businessSettingsShape = {
  nonTextReply: z.string().trim().min(1).max(NON_TEXT_REPLY_MAX_CHARS),
  ownerQuietMinutes: z
    .number()
    .min(0)
    .max(7 * 24 * 60),
  turnDebounceMs: z.number().int().min(0).max(60_000),
  replyMaxTokens: z.number().int().min(8).max(2048),
  temperature: z.number().min(0).max(2),
  knowledgeBudgetTokens: z.number().int().min(0).max(4096),
};

/** The whole set, every field required: what the admin API takes and returns. */
export const businessSettingsSchema = z.object(businessSettingsShape).strict();

export type BusinessSettings = z.infer<typeof businessSettingsSchema>;

const d = BUSINESS_SETTING_DEFAULTS;
const s = businessSettingsShape;
const storedSchema = z.object({
  nonTextReply: s.nonTextReply.default(d.nonTextReply).catch(d.nonTextReply),
  ownerQuietMinutes: s.ownerQuietMinutes.default(d.ownerQuietMinutes).catch(d.ownerQuietMinutes),
  turnDebounceMs: s.turnDebounceMs.default(d.turnDebounceMs).catch(d.turnDebounceMs),
  replyMaxTokens: s.replyMaxTokens.default(d.replyMaxTokens).catch(d.replyMaxTokens),
  temperature: s.temperature.default(d.temperature).catch(d.temperature),
  knowledgeBudgetTokens: s.knowledgeBudgetTokens.default(d.knowledgeBudgetTokens).catch(d.knowledgeBudgetTokens),
}) satisfies z.ZodType<BusinessSettings>;

/** A business's settings as stored (any JSON, null included): each missing or invalid value is its default. */
export function readBusinessSettings(stored: unknown): BusinessSettings {
  const object = stored && typeof stored === "object" && !Array.isArray(stored) ? stored : {};
  return storedSchema.parse(object);
}
