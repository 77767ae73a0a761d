// How the console names people and handoffs, shared by the inbox, the transcript and the handoffs panel.

const REASONS: Record<string, string> = {
  "handoff:human": "asked for a person",
  "handoff:refund": "asked for a refund",
  "handoff:complaint": "complained",
  "handoff:contradicts-facts": "the agent could not confirm a price or time",
};
/** Why a conversation went to a person, in the owner's words. */
export const handoffReason = (reason: string): string =>
  REASONS[reason] ?? reason.replace(/^(handoff|safety):/, (_m, kind: string) => (kind === "safety" ? "safety: " : ""));

/** Why the agent's reply was replaced before it was sent (guardrails/check-reply.ts), in the owner's words. */
export function flagReason(reason: string): string {
  const [kind, detail] = [reason.split(":")[0], reason.slice(reason.indexOf(":") + 1).trim()];
  switch (kind) {
    case "empty-reply":
      return "The agent gave an empty reply";
    case "system-prompt-leak":
      return "The agent started repeating its instructions";
    case "blocklist":
      return `The agent named ${detail}, which you asked it never to mention`;
    case "blocked-topic-in-reply":
      return `The agent talked about ${detail}, a topic you asked it to avoid`;
    case "contradicts-facts":
      return `The agent gave a figure you never told it (${detail})`;
    default:
      return "The agent's reply was held back";
  }
}

/** Who writes on the customer's side of a conversation: a creator's fans, a business's customers. */
export const personWord = (personaKind: string | undefined): string => (personaKind === "fan" ? "fan" : "customer");

/** A name to tell people apart: the contact's, else the channel's kind of person and a short tag. */
export function contactName(c: {
  readonly contact: { readonly id: string; readonly displayName?: string | null };
  readonly channel: { readonly kind: string };
}): string {
  if (c.contact.displayName) return c.contact.displayName;
  const who = c.channel.kind === "webchat" ? "Web visitor" : c.channel.kind === "instagram" ? "Instagram user" : "WhatsApp contact";
  return `${who} ${c.contact.id.slice(0, 4)}`;
}
