import { z } from "zod";

/**
 * What a scripted step must show. Each key is checked on its own; all must pass.
 * On a step with `repeat`, floodNotice and silent look at all its turns, the rest at the last one.
 */
export const expectationSchema = z
  .strictObject({
    /** The model was asked (no code reply). */
    generated: z.literal(true).optional(),
    /** The reply says it is an AI (the disclosure line or a plain "I'm an AI"). */
    disclosure: z.literal(true).optional(),
    /** A blocked topic was declined by code, without asking the model. */
    declined: z.literal(true).optional(),
    /** Handed off to the persona's owner by a handoff trigger, without asking the model. */
    handoff: z.literal(true).optional(),
    /** Escalated to the owner with a safe reply, without asking the model; the agent is paused in the conversation. */
    escalated: z.enum(["self-harm", "minor-in-danger", "abuse"]).optional(),
    /** Every price and time in the reply appears in the persona's facts. */
    notContradicting: z.literal("facts").optional(),
    /** The prompt the model got holds the persona's template markers only: the user's are inert. */
    neutralised: z.literal(true).optional(),
    /** The daily-cap notice was sent. */
    capNotice: z.literal(true).optional(),
    /** The flood notice was sent once, then silence. */
    floodNotice: z.literal(true).optional(),
    /** Nothing was sent. */
    silent: z.literal(true).optional(),
  })
  .refine((e) => Object.keys(e).length > 0, "expect needs at least one expectation");

export const checkStepSchema = z.strictObject({
  /** One message, or several sent back to back (one burst, merged into one turn). Each step waits for the previous one's answer. */
  say: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  /** Send the message this many times at once, as one burst (a flood): the worker answers it in as few turns as its debounce allows. */
  repeat: z.number().int().min(1).max(200).optional(),
  /** Before this step, the sender had already sent this many messages today. */
  alreadySentToday: z.number().int().min(0).optional(),
  expect: expectationSchema,
});

export const checksFileSchema = z.strictObject({
  conversations: z.array(z.strictObject({ name: z.string().min(1), steps: z.array(checkStepSchema).min(1) })).min(1),
});

export type Expectation = z.infer<typeof expectationSchema>;
export type CheckStep = z.infer<typeof checkStepSchema>;
export type ChecksFile = z.infer<typeof checksFileSchema>;
