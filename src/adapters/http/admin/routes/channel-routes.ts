import { z } from "zod";
import { notFound } from "../../../../app/admin/admin-error.js";
import { InputError } from "../../../../domain/errors.js";
import { addChannel, assertPersonaInBusiness } from "../../../../app/admin/add-channel.js";
import type { ChannelRecord } from "../../../../ports/admin/channel-store.js";
import { defineRoute } from "../admin-route.js";
import { businessParams, channelKind, channelParams, id, iso, isoTime, label } from "../schemas.js";

// Credentials go in (sealed at once) and never come out: responses only say whether there are some.
const channel = z.object({
  id,
  businessId: id,
  kind: channelKind,
  platformAccountId: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  personaId: id.nullable(),
  allowGroups: z.boolean(),
  hasCredentials: z.boolean(),
  connection: z
    .object({ state: z.string(), at: z.string(), lastDisconnectReason: z.string().optional(), qrDataUrl: z.string().optional() })
    .nullable()
    .describe("whatsapp-web.js: pairing (with the QR code to scan), ready, disconnected or logged_out"),
  chatPage: z
    .object({ color: z.string().nullable(), logoUrl: z.string().nullable(), sites: z.array(z.string()) })
    .nullable()
    .describe("Web chat only: the chat page's colour and logo, and the sites whose pages may embed it with /widget.js"),
  createdAt: isoTime,
});
const toJson = (c: ChannelRecord) => ({
  ...c,
  chatPage: c.chatPage ? { ...c.chatPage, sites: [...c.chatPage.sites] } : null,
  createdAt: iso(c.createdAt),
});

const token = (max: number) => z.string().regex(/^\S+$/, "no spaces").max(max);
const common = { name: label(100).optional(), personaId: id.nullable().optional() };
const accountId = z.string().regex(/^[A-Za-z0-9_.:+@-]{1,100}$/, "1-100 letters, digits or _.:+@-");
const newChannel = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("webchat"),
    platformAccountId: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, "the chat page key: 1-100 letters, digits, _ or -"),
    ...common,
  }),
  z.object({
    kind: z.enum(["whatsapp_cloud", "instagram"]),
    platformAccountId: accountId,
    ...common,
    credentials: z.object({
      accessToken: token(4096).min(8, "at least 8 characters"),
      appSecret: token(256).default(""),
      verifyToken: token(256).default(""),
    }),
  }),
  z.object({ kind: z.literal("whatsapp_web"), platformAccountId: accountId, ...common, allowGroups: z.boolean().default(false) }),
]);

/** Loopback sites (http) are accepted for trying the widget on one's own machine. */
const LOOPBACK = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;
const site = z
  .string()
  .trim()
  .max(200, "at most 200 characters")
  .refine(
    (v) => /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(v) || LOOPBACK.test(v),
    "a site is its address without a path, like https://shop.example",
  );
const chatPageLook = z.object({
  color: z
    .string()
    .trim()
    .regex(/^#[0-9a-fA-F]{6}$/, "a colour is written #rrggbb, like #1a7f5a")
    .transform((v) => v.toLowerCase())
    .nullable()
    .optional(),
  logoUrl: z
    .string()
    .trim()
    .max(2000, "at most 2000 characters")
    .refine(
      (v) => URL.canParse(v) && new URL(v).protocol === "https:" && new URL(v).username === "" && new URL(v).password === "",
      "a logo address starts with https://",
    )
    .nullable()
    .optional(),
  sites: z.array(site).max(20, "at most 20 sites").optional(),
});

export const channelRoutes = [
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/channels",
    tag: "channels",
    summary: "List channels (credentials are never returned)",
    params: businessParams,
    response: z.object({ items: z.array(channel) }),
    errors: [404],
    async handler({ params, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      return { items: (await deps.store.channels.list(params.businessId)).map(toJson) };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/businesses/:businessId/channels",
    tag: "channels",
    summary: "Connect a channel; Meta credentials are stored sealed with CHANNEL_SECRETS_KEY",
    description:
      "A WhatsApp Cloud phone number id or Instagram account id is connected only once the Graph API confirms that the access token controls it; a refused token and an account already connected get the same 422 CHANNEL_NOT_VERIFIED. 409 CHANNEL_LIMIT past CHANNELS_PER_BUSINESS_MAX; 503 PLATFORM_UNAVAILABLE when the Graph API cannot be reached.",
    params: businessParams,
    body: newChannel,
    response: channel,
    status: 201,
    errors: [404, 409, 422],
    async handler({ params, body, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const admission = { verifier: deps.channelVerifier, maxPerBusiness: deps.channelsPerBusinessMax };
      return toJson(await addChannel(deps.store, deps.channelSecretsKey, params.businessId, body, admission));
    },
  }),
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/channels/:channelId",
    tag: "channels",
    summary: "Get a channel",
    params: channelParams,
    response: channel,
    errors: [404],
    async handler({ params, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const found = await deps.store.channels.get(params.businessId, params.channelId);
      if (!found) throw notFound("channel");
      return toJson(found);
    },
  }),
  defineRoute({
    method: "PATCH",
    path: "/businesses/:businessId/channels/:channelId",
    tag: "channels",
    summary: "Enable or disable a channel, rename it, change its persona, or (web chat) style its page",
    description:
      "chatPage (web chat only): color #rrggbb, logoUrl an https address (null removes either), sites the origins whose pages may embed the chat with /widget.js (their CSP frame-ancestors).",
    params: channelParams,
    body: z.object({
      enabled: z.boolean().optional(),
      name: label(100).optional(),
      personaId: id.nullable().optional(),
      chatPage: chatPageLook.optional(),
    }),
    response: channel,
    errors: [404, 422],
    async handler({ params, body, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      await assertPersonaInBusiness(deps.store.personas, params.businessId, body.personaId);
      if (body.chatPage) {
        const current = await deps.store.channels.get(params.businessId, params.channelId);
        if (!current) throw notFound("channel");
        if (current.kind !== "webchat")
          throw new InputError("NOT_WEBCHAT", "body.chatPage: this is not a web chat channel, and only a web chat has a page to style", 422);
      }
      const updated = await deps.store.channels.update(params.businessId, params.channelId, body);
      if (!updated) throw notFound("channel");
      return toJson(updated);
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/businesses/:businessId/channels/:channelId",
    tag: "channels",
    summary: "Delete a channel with its contacts, conversations and messages",
    params: channelParams,
    response: null,
    status: 204,
    errors: [404],
    async handler({ params, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      if (!(await deps.store.channels.delete(params.businessId, params.channelId))) throw notFound("channel");
    },
  }),
];
