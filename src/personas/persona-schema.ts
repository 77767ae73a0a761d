import { z } from "zod";

// YAML turns unquoted 7:00 into 420 (base 60) and 5.50 into 5.5, so text fields refuse numbers.
const text = (what: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `${what} is required` : `${what} must be text (put values like "7:00", "5.50" or "+34 600" in quotes)`) })
    .trim()
    .min(1, `${what} is empty`);

const wholeNumber = (what: string, min: number, max: number) =>
  z
    .number({ error: `${what} must be a whole number` })
    .int(`${what} must be a whole number`)
    .min(min, `${what} must be at least ${min}`)
    .max(max, `${what} must be at most ${max}`);

/** Topics a fan agent declines: a name (built-in names like "politics" bring their own keywords) or a name with keywords. */
export const blockedTopicSchema = z.union([text("a blocked topic"), z.strictObject({ topic: text("topic"), keywords: z.array(text("a keyword")).min(1, "keywords needs at least one entry") })]);

/** Where a handoff or an escalation is announced: a reference the worker resolves, never a credential. */
export const ownerSchema = z.strictObject({
  channel: z.enum(["admin", "webchat", "whatsapp_web", "whatsapp_cloud", "instagram"], { error: "channel must be one of admin, webchat, whatsapp_web, whatsapp_cloud, instagram" }),
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

/** Front matter of a persona file, format v2 (prompts/*.md). */
export const personaV2MetaSchema = z
  .strictObject({
    kind: z.enum(["support", "fan"], { error: "kind must be support or fan" }),
    name: text("name"),
    business: text("business"),
    language: text("language").default("English"),
    tone: text("tone").default("friendly and brief"),
    /** label -> text: hours, prices, address, links. The only numbers the agent may quote. */
    facts: z.record(z.string(), text("a fact")).default({}),
    rules: z.array(text("a rule")).default([]),
    handoff: z.strictObject({ triggers: z.array(text("a trigger")).min(1, "triggers needs at least one entry") }).optional(),
    /** The line a fan agent must say on its first reply and whenever asked whether it is a person. */
    disclosure: text("disclosure").refine((v) => AI_WORD.test(v), "disclosure must say it is an AI (AI, IA, bot, virtual assistant)").optional(),
    limits: z
      .strictObject({
        dailyMessagesPerFan: wholeNumber("dailyMessagesPerFan", 1, 10_000).optional(),
        blockedTopics: z.array(blockedTopicSchema).default([]),
        maxReplyChars: wholeNumber("maxReplyChars", 40, 4000).optional(),
        /** More messages than this from one sender within a minute get one notice, then silence. */
        floodMessagesPerMinute: wholeNumber("floodMessagesPerMinute", 2, 1000).default(10),
      })
      .default({ blockedTopics: [], floodMessagesPerMinute: 10 }),
    /** Words or phrases no reply may contain (competitors, swear words...). */
    blocklist: z.array(text("a blocklist entry")).default([]),
    owner: ownerSchema,
    replies: personaRepliesSchema.default({}),
  })
  .superRefine((meta, ctx) => {
    if (meta.kind !== "fan") {
      if (!meta.handoff) ctx.addIssue({ code: "custom", path: ["handoff"], message: "handoff is required when kind is support (e.g. triggers: [human, refund, complaint])" });
      return;
    }
    if (!meta.disclosure) ctx.addIssue({ code: "custom", path: ["disclosure"], message: "disclosure is required when kind is fan" });
    if (meta.limits.dailyMessagesPerFan === undefined) {
      ctx.addIssue({ code: "custom", path: ["limits", "dailyMessagesPerFan"], message: "dailyMessagesPerFan is required when kind is fan" });
    }
  });

export type PersonaV2Meta = z.infer<typeof personaV2MetaSchema>;
export type BlockedTopic = z.infer<typeof blockedTopicSchema>;

/** A validated persona file: settings from the front matter, the markdown body as written. */
export interface PersonaV2 {
  /** File name without .md, e.g. "support-bakery". */
  readonly template: string;
  readonly meta: PersonaV2Meta;
  readonly body: string;
}
