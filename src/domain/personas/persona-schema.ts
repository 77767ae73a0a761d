import { z } from "zod";
import { cleanText } from "../clean-text.js";

const clean = (value: string) => cleanText(value).trim();

// YAML turns unquoted 7:00 into 420 (base 60) and 5.50 into 5.5, so text fields refuse numbers.
const text = (what: string) =>
  z
    .string({
      error: (issue) =>
        issue.input === undefined ? `${what} is required` : `${what} must be text (put values like "7:00", "5.50" or "+34 600" in quotes)`,
    })
    .overwrite(clean)
    .min(1, `${what} is empty`)
    .max(2000, `${what} has at most 2000 characters`);

const wholeNumber = (what: string, min: number, max: number) =>
  z
    .number({ error: `${what} must be a whole number` })
    .int(`${what} must be a whole number`)
    .min(min, `${what} must be at least ${min}`)
    .max(max, `${what} must be at most ${max}`);

/** Topics a fan agent declines: a name (built-in names like "politics" bring their own keywords) or a name with keywords. */
export const blockedTopicSchema = z.union([
  text("a blocked topic"),
  z.strictObject({
    topic: text("topic"),
    keywords: z.array(text("a keyword")).min(1, "keywords needs at least one entry").max(50, "at most 50 keywords"),
  }),
]);

/** Where a handoff or an escalation is announced: a reference the worker resolves, never a credential. */
export const ownerSchema = z.strictObject({
  channel: z.enum(["admin", "webchat", "whatsapp_web", "whatsapp_cloud", "instagram"], {
    error: "channel must be one of admin, webchat, whatsapp_web, whatsapp_cloud, instagram",
  }),
  to: text("to"),
});

/** Texts the code says without the model; any left out use the built-in English/Spanish defaults. */
export const personaRepliesSchema = z.strictObject({
  fallback: text("fallback").optional(),
  handoff: text("handoff").optional(),
  decline: text("decline").optional(),
  capNotice: text("capNotice").optional(),
  floodNotice: text("floodNotice").optional(),
});

const AI_WORD = /\b(ai|a\.i\.|ia|bot|chatbot|artificial|virtual assistant|asistente virtual)\b/i;

/**
 * A persona's settings: what the code enforces around the model (guardrails) and what the system
 * prompt says. In a persona file they are the YAML front matter; in the database, a version's `settings`.
 */
export const personaSettingsSchema = z
  .strictObject({
    kind: z.enum(["support", "fan"], { error: "kind must be support or fan" }),
    name: text("name"),
    business: text("business"),
    language: text("language").default("English"),
    tone: text("tone").default("friendly and brief"),
    /** label -> text: hours, prices, address, links. The only numbers the agent may quote. */
    facts: z
      .record(z.string().overwrite(clean).min(1, "a fact needs a label").max(100, "a fact's label has at most 100 characters"), text("a fact"))
      .refine((f) => Object.keys(f).length <= 100, "at most 100 facts")
      .default({}),
    rules: z.array(text("a rule")).max(50, "at most 50 rules").default([]),
    handoff: z
      .strictObject({ triggers: z.array(text("a trigger")).min(1, "triggers needs at least one entry").max(50, "at most 50 triggers") })
      .optional(),
    /** The line a fan agent must say on its first reply and whenever asked whether it is a person. */
    disclosure: text("disclosure")
      .refine((v) => AI_WORD.test(v), "disclosure must say it is an AI (AI, IA, bot, virtual assistant)")
      .optional(),
    limits: z
      .strictObject({
        dailyMessagesPerFan: wholeNumber("dailyMessagesPerFan", 1, 10_000).optional(),
        blockedTopics: z.array(blockedTopicSchema).max(50, "at most 50 blocked topics").default([]),
        maxReplyChars: wholeNumber("maxReplyChars", 40, 4000).optional(),
        /** More messages than this from one sender within a minute get one notice, then silence. */
        floodMessagesPerMinute: wholeNumber("floodMessagesPerMinute", 2, 1000).default(10),
      })
      .default({ blockedTopics: [], floodMessagesPerMinute: 10 }),
    /** Words or phrases no reply may contain (competitors, swear words...). */
    blocklist: z.array(text("a blocklist entry")).max(200, "at most 200 blocklist entries").default([]),
    owner: ownerSchema,
    replies: personaRepliesSchema.default({}),
  })
  .superRefine((meta, ctx) => {
    if (meta.kind !== "fan") {
      if (!meta.handoff)
        ctx.addIssue({
          code: "custom",
          path: ["handoff"],
          message: "handoff is required when kind is support (e.g. triggers: [human, refund, complaint])",
        });
      return;
    }
    if (!meta.disclosure) ctx.addIssue({ code: "custom", path: ["disclosure"], message: "disclosure is required when kind is fan" });
    if (meta.limits.dailyMessagesPerFan === undefined) {
      ctx.addIssue({ code: "custom", path: ["limits", "dailyMessagesPerFan"], message: "dailyMessagesPerFan is required when kind is fan" });
    }
  });

/** Most characters of the voice text; the token budget (checkPersonaFits) is the limit that matters. */
export const MAX_VOICE_CHARS = 20_000;

/** The persona's voice: free text in the owner's words, the body of a persona file. */
export const voiceSchema = z
  .string({ error: (issue) => (issue.input === undefined ? "the voice text is required" : "the voice must be text") })
  .overwrite(clean)
  .min(1, "the voice text is empty: describe how the agent talks")
  .max(MAX_VOICE_CHARS, `the voice text has at most ${MAX_VOICE_CHARS} characters`);

/** One persona version, whole: its settings and its voice, validated together. */
export const personaSchema = z.strictObject({ settings: personaSettingsSchema, voice: voiceSchema });

export type PersonaSettings = z.infer<typeof personaSettingsSchema>;
/** What a caller may send: defaults not yet filled in. */
export type PersonaInput = z.input<typeof personaSchema>;
export type BlockedTopic = z.infer<typeof blockedTopicSchema>;
export type Owner = z.infer<typeof ownerSchema>;

/** A validated persona: everything the worker, the guardrails and the system prompt need. */
export interface Persona {
  readonly settings: PersonaSettings;
  readonly voice: string;
}
