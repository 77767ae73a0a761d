import type { Persona } from "../personas/persona-schema.js";
import { classifyInbound } from "./classify-inbound.js";
import { withDisclosure } from "./discloses-ai.js";
import type { SafetyConcern } from "./inbound-patterns.js";
import { commonControlText } from "./neutralise-control-text.js";
import { policyReply, type PolicyReplyKey } from "./policy-replies.js";
import { replyLanguage } from "./reply-language.js";
import type { BeforeGeneration, BeforeGenerationInput } from "./turn-policy.js";

const SAFETY_REPLY: Record<SafetyConcern, PolicyReplyKey> = { "self-harm": "selfHarm", "minor-in-danger": "minorInDanger", abuse: "abuse" };

/**
 * Decides, before the model is asked, whether it should be. In order: safety escalations (always
 * answered, even past a limit), the flood limit, the daily cap, handoff triggers, blocked topics;
 * everything else is generated, with control text in the user's messages made inert.
 */
export function beforeGeneration(input: BeforeGenerationInput): BeforeGeneration {
  const { persona } = input;
  const texts = input.pending.map((p) => p.text);
  if (texts.length === 0) return { action: "ignore", reason: "nothing-pending" };
  const language = replyLanguage(texts, persona.settings.language);
  const controlText = input.controlText ?? commonControlText;
  const signals = classifyInbound(texts.join("\n"), persona, controlText);
  const askedIfHuman = signals.askedIfHuman || (signals.wantsHuman && signals.handoff === undefined);
  const mustDisclose = askedIfHuman || (persona.settings.kind === "fan" && input.isFirstReply);
  const say = (key: PolicyReplyKey) => {
    const text = policyReply(persona, key, language);
    return mustDisclose ? withDisclosure(text, persona, language) : text;
  };
  const notify = `${persona.settings.owner.channel}:${persona.settings.owner.to}`;

  if (signals.safety) return { action: "handoff", text: say(SAFETY_REPLY[signals.safety]), reason: `safety:${signals.safety}`, notify };

  const { address } = input;
  const flood = persona.settings.limits.floodMessagesPerMinute;
  if (input.burstSize > flood || (address && address.burstSize > flood * address.fansPerAddress)) {
    return lastReplyWas(input, persona, "floodNotice")
      ? { action: "ignore", reason: "flood" }
      : { action: "reply", text: say("floodNotice"), reason: "flood" };
  }
  const cap = persona.settings.limits.dailyMessagesPerFan;
  const overCap = (today: number, allowance: number) => today - texts.length >= allowance;
  if (cap !== undefined && (overCap(input.senderMessagesToday, cap) || (address && overCap(address.messagesToday, cap * address.fansPerAddress)))) {
    return lastReplyWas(input, persona, "capNotice")
      ? { action: "ignore", reason: "daily-cap" }
      : { action: "reply", text: say("capNotice"), reason: "daily-cap" };
  }
  if (signals.handoff) return { action: "handoff", text: say("handoff"), reason: `handoff:${signals.handoff}`, notify };
  if (signals.blockedTopic) return { action: "reply", text: say("decline"), reason: `blocked-topic:${signals.blockedTopic}` };
  return {
    action: "generate",
    userTexts: texts.map((text) => controlText.neutralise(text)),
    askedIfHuman,
    language,
    controlText: signals.controlText,
  };
}

/**
 * Whether the newest reply in the conversation is this notice (in either language, with or
 * without a disclosure line before it): the notice goes out once, then the sender gets silence.
 */
function lastReplyWas(input: BeforeGenerationInput, persona: Persona, key: PolicyReplyKey): boolean {
  const last = input.history.findLast((m) => m.direction === "outbound")?.text.trim();
  return last !== undefined && (["en", "es"] as const).some((language) => last.endsWith(policyReply(persona, key, language)));
}
