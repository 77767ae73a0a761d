import { z } from "zod";
import { notFound } from "../../../../app/admin/admin-error.js";
import {
  BUSINESS_SETTING_DEFAULTS,
  businessSettingsShape,
  NON_TEXT_REPLY_MAX_CHARS,
  type BusinessSettings,
} from "../../../../domain/business-settings.js";
import { InputError } from "../../../../domain/errors.js";
import { renderSystemPrompt } from "../../../../domain/personas/render-persona.js";
import type { AdminApiDeps } from "../admin-deps.js";
import { defineRoute } from "../admin-route.js";
import { businessParams, longText } from "../schemas.js";

const s = businessSettingsShape;
const fields = {
  nonTextReply: longText(NON_TEXT_REPLY_MAX_CHARS).describe("Said, without the model, when a customer sent only photos, voice notes, stickers..."),
  ownerQuietMinutes: s.ownerQuietMinutes.describe(
    "After the owner writes in a conversation from the business phone, the agent stays quiet there this many minutes (fractions allowed)",
  ),
  turnDebounceMs: s.turnDebounceMs.describe(
    "A turn waits until the newest message is this many milliseconds old, so a burst of messages gets one answer",
  ),
  replyMaxTokens: s.replyMaxTokens.describe("Longest reply the model may write, in tokens"),
  temperature: s.temperature.describe("Sampling temperature: 0 always picks the likeliest word, higher is more varied"),
  knowledgeBudgetTokens: s.knowledgeBudgetTokens.describe("Prompt tokens kept for the business's matching knowledge passages; 0: none in prompts"),
};
const settingsBody = z.object(fields).strict();
const settings = z.object({ ...fields, defaults: z.object(fields).describe("What each setting is when the business has never set it") });

const toJson = (current: BusinessSettings) => ({ ...current, defaults: BUSINESS_SETTING_DEFAULTS });

/** Longer replies leave the persona less of the context: refused while a live persona would no longer fit. */
async function checkPersonasFit(deps: AdminApiDeps, businessId: string, replyMaxTokens: number): Promise<void> {
  const limit = deps.personaBudget(replyMaxTokens);
  for (const { name, activeVersion } of await deps.store.personas.list(businessId)) {
    if (!activeVersion?.persona) continue;
    const tokens = await deps.countTokens(renderSystemPrompt(activeVersion.persona));
    if (tokens > limit) {
      throw new InputError(
        "PERSONA_TOO_LONG",
        `replies of ${replyMaxTokens} tokens leave the persona ${limit} tokens, and ${name} uses ${tokens}. Choose shorter replies, or shorten the persona first.`,
        422,
        { field: "replyMaxTokens", tokens, limit },
      );
    }
  }
}

export const settingsRoutes = [
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/settings",
    tag: "businesses",
    summary:
      "How the agent behaves for this business: reply length, temperature, debounce, the owner's quiet time, the knowledge budget, the non-text reply",
    params: businessParams,
    response: settings,
    errors: [404],
    async handler({ params, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const found = await deps.store.settings.get(params.businessId);
      if (!found) throw notFound("business");
      return toJson(found);
    },
  }),
  defineRoute({
    method: "PUT",
    path: "/businesses/:businessId/settings",
    tag: "businesses",
    summary: "Replace the business's settings; the next turn uses them",
    params: businessParams,
    body: settingsBody,
    response: settings,
    description: "422 PERSONA_TOO_LONG when the reply length leaves one of the business's live personas too little of the context.",
    errors: [404, 422],
    async handler({ params, body, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      await checkPersonasFit(deps, params.businessId, body.replyMaxTokens);
      const updated = await deps.store.settings.set(params.businessId, body);
      if (!updated) throw notFound("business");
      return toJson(updated);
    },
  }),
];
