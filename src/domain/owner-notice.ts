import type { ChannelKind } from "./inbound-message.js";

/** Where a handoff is announced, from a persona's owner reference ("<channel>:<to>"). */
export type OwnerTarget =
  /** The console and admin API only. */
  | { readonly channel: "admin" }
  /** A notice through the business's channel of this kind, to this platform address. */
  | { readonly channel: ChannelKind; readonly address: string }
  /** The reference cannot be used; `error` says why (shown to the admin, holds no address). */
  | { readonly channel: "invalid"; readonly error: string };

/** The handoff reason (and Conversation.pausedBy) of a turn whose persona could not be read or validated. */
export const PERSONA_INVALID = "persona_invalid";

const CHANNELS: readonly ChannelKind[] = ["webchat", "whatsapp_web", "whatsapp_cloud", "instagram"];

/**
 * Reads "whatsapp_cloud:+34 600 111 222" as the address the platform uses for that person, so a
 * notice lands in the same contact as their own messages: Cloud API wa_id is digits only,
 * whatsapp-web.js chat ids are "<digits>@c.us" (ids with "@" are kept as written).
 */
export function parseOwnerReference(notify: string): OwnerTarget {
  const colon = notify.indexOf(":");
  const channel = colon < 0 ? notify : notify.slice(0, colon);
  const to = colon < 0 ? "" : notify.slice(colon + 1).trim();
  if (channel === "admin") return { channel: "admin" };
  const kind = CHANNELS.find((c) => c === channel);
  if (!kind)
    return { channel: "invalid", error: `the persona's owner channel "${channel.slice(0, 40)}" is not one of admin, ${CHANNELS.join(", ")}` };
  if (!to) return { channel: "invalid", error: `the persona's owner has no address (to) for ${kind}` };
  if (kind === "whatsapp_cloud" || (kind === "whatsapp_web" && !to.includes("@"))) {
    const digits = to.replace(/[\s().+-]/g, "");
    if (!/^\d{6,15}$/.test(digits))
      return { channel: "invalid", error: `the persona's owner address for ${kind} is not a phone number with country code` };
    return { channel: kind, address: kind === "whatsapp_web" ? `${digits}@c.us` : digits };
  }
  return { channel: kind, address: to };
}

const CHANNEL_NAMES: Record<ChannelKind, string> = {
  webchat: "web chat",
  whatsapp_web: "WhatsApp",
  whatsapp_cloud: "WhatsApp",
  instagram: "Instagram",
};

/** "refund", "self-harm", "a contradicted price or time": what the admin reads after "Handoff (". */
function reasonLabel(reason: string): string {
  if (reason === PERSONA_INVALID) return "the agent's persona cannot be used; open it in the console";
  const what = reason.slice(reason.indexOf(":") + 1);
  return what === "contradicts-facts" ? "the agent could not confirm a price or time" : what;
}

/**
 * The short notice the owner gets: which conversation needs a person, why, and a console link.
 * Never the customer's words or address: only the reason, the channel and the conversation id.
 */
export function ownerNoticeText(input: { reason: string; customerChannel: ChannelKind; conversationId: string; publicBaseUrl: string }): string {
  const safety = input.reason.startsWith("safety:");
  const head = safety ? `Safety alert (${reasonLabel(input.reason)})` : `Handoff (${reasonLabel(input.reason)})`;
  const who = `someone on ${CHANNEL_NAMES[input.customerChannel]}`;
  const ask = safety
    ? `${who} needs a person now; the agent has stopped answering them.`
    : `${who} needs you; the agent is paused in that conversation.`;
  return `${head}: ${ask} Open ${input.publicBaseUrl}/console/#/inbox/${input.conversationId}`;
}
