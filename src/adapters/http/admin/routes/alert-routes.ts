import { z } from "zod";
import type { OwnerAlerts } from "../../../../app/alerts/owner-alerts.js";
import { notFound } from "../../../../app/admin/admin-error.js";
import { InputError } from "../../../../domain/errors.js";
import type { AdminApiDeps } from "../admin-deps.js";
import { defineRoute } from "../admin-route.js";

// Owner alerts (Web Push) for the calling key: what its devices are told, and the devices themselves.
const settings = z.object({ handoffs: z.boolean(), waiting: z.boolean() });
const alertState = settings.extend({
  available: z.boolean().describe("false: this server cannot send alerts (no CHANNEL_SECRETS_KEY)"),
  publicKey: z.string().nullable().describe("the VAPID public key for PushManager.subscribe (applicationServerKey)"),
  devices: z.number().int(),
});
const endpoint = z.url({ protocol: /^https$/, error: "an https:// push service URL" }).max(2000);
const subscription = z.object({
  endpoint,
  keys: z.object({
    p256dh: z.string().regex(/^[A-Za-z0-9_-]{80,100}={0,2}$/, "the browser's P-256 key, base64url"),
    auth: z.string().regex(/^[A-Za-z0-9_-]{16,30}={0,2}$/, "the browser's auth secret, base64url"),
  }),
});

function alertsOf(deps: AdminApiDeps): OwnerAlerts {
  if (!deps.alerts) throw new InputError("ALERTS_NOT_CONFIGURED", "this server does not send alerts", 422);
  return deps.alerts;
}

async function state(deps: AdminApiDeps, keyId: string) {
  const current = await deps.store.push.getSettings(keyId);
  if (!current) throw notFound("API key");
  const available = deps.alerts?.available ?? false;
  return { ...current, available, publicKey: available ? await deps.alerts!.publicKey() : null, devices: await deps.store.push.countFor(keyId) };
}

export const alertRoutes = [
  defineRoute({
    method: "GET",
    path: "/alerts",
    tag: "alerts",
    summary: "What the calling key's devices are alerted about (new handoffs, customers waiting for a person), and how many devices",
    response: alertState,
    async handler({ caller, deps }) {
      return state(deps, caller.keyId);
    },
  }),
  defineRoute({
    method: "PUT",
    path: "/alerts",
    tag: "alerts",
    summary: "Choose what the calling key's devices are alerted about (both false: no alerts)",
    body: settings,
    response: alertState,
    async handler({ caller, body, deps }) {
      if (!(await deps.store.push.setSettings(caller.keyId, body))) throw notFound("API key");
      return state(deps, caller.keyId);
    },
  }),
  defineRoute({
    method: "POST",
    path: "/alerts/subscriptions",
    tag: "alerts",
    summary: "Add this browser's push subscription (PushSubscription.toJSON()) to the calling key; stored sealed",
    body: subscription,
    response: null,
    status: 204,
    errors: [422],
    async handler({ caller, body, deps }) {
      await alertsOf(deps).subscribe(caller.keyId, body);
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/alerts/subscriptions",
    tag: "alerts",
    summary: "Remove a push subscription of the calling key (this browser stops getting alerts)",
    body: z.object({ endpoint }),
    response: null,
    status: 204,
    errors: [404, 422],
    async handler({ caller, body, deps }) {
      if (!(await alertsOf(deps).unsubscribe(caller.keyId, body.endpoint))) throw notFound("push subscription");
    },
  }),
];
