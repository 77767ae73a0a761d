// How the console names people and handoffs, shared by the inbox, the transcript and the handoffs panel.

const REASONS = {
  "handoff:human": "asked for a person",
  "handoff:refund": "asked for a refund",
  "handoff:complaint": "complained",
  "handoff:contradicts-facts": "the agent could not confirm a price or time",
};
/** Why a conversation went to a person, in the owner's words. */
export const handoffReason = (reason) => REASONS[reason] ?? reason.replace(/^(handoff|safety):/, (_m, kind) => (kind === "safety" ? "safety: " : ""));

/** A name to tell people apart: the contact's, else the channel's kind of person and a short tag. */
export function contactName(c) {
  if (c.contact.displayName) return c.contact.displayName;
  const who = c.channel.kind === "webchat" ? "Web visitor" : c.channel.kind === "instagram" ? "Instagram user" : "WhatsApp contact";
  return `${who} ${c.contact.id.slice(0, 4)}`;
}
