// One persona version, whole and read-only: its settings in the form's words, then its voice.
import type { PersonaDoc } from "./api.js";
import { type Child, h } from "./dom.js";

const OWNER: Record<string, string> = {
  admin: "in the console only",
  whatsapp_cloud: "by WhatsApp (Business account) to",
  whatsapp_web: "by WhatsApp (linked phone) to",
  instagram: "by Instagram message to",
  webchat: "in web chat session",
};
const REPLY_NAMES: Record<string, string> = {
  fallback: "No reliable answer",
  handoff: "Handing over",
  decline: "Declined topic",
  capNotice: "Daily limit reached",
  floodNotice: "Too many messages",
};

export function renderPersona(persona: PersonaDoc): HTMLDivElement {
  const s = persona.settings;
  const fan = s.kind === "fan";
  const rows: [string, Child][] = [
    ["Kind", fan ? "Fan agent" : "Support agent"],
    [fan ? "Creator" : "Agent's name", s.name],
    [fan ? "Channel or brand" : "Business", s.business],
    ["Language", s.language],
    ["Tone", s.tone],
    ["Says it is an AI", s.disclosure ?? "—"],
    ["Facts", list(Object.entries(s.facts).map(([label, text]): Child => [h("strong", {}, `${label}: `), text]))],
    ["Rules", list(s.rules)],
    ["Hands over when", list(s.handoff?.triggers ?? [])],
    ["Does not talk about", list(s.limits.blockedTopics.map((t) => (typeof t === "string" ? t : `${t.topic} (${t.keywords.join(", ")})`)))],
    ["Replies never contain", list(s.blocklist)],
    ["Per person per day", s.limits.dailyMessagesPerFan ?? "no limit"],
    ["Longest reply", s.limits.maxReplyChars ? `${s.limits.maxReplyChars} characters` : "no limit"],
    ["Messages per minute", s.limits.floodMessagesPerMinute],
    ["Handoffs announced", `${OWNER[s.owner.channel] ?? s.owner.channel} ${s.owner.channel === "admin" ? `(${s.owner.to})` : s.owner.to}`],
    ...Object.entries(s.replies ?? {}).map(([key, text]): [string, Child] => [`Own reply: ${REPLY_NAMES[key] ?? key}`, text]),
  ];
  return h(
    "div",
    { class: "persona-view" },
    h(
      "dl",
      { class: "facts" },
      rows.flatMap(([dt, dd]) => [h("dt", {}, dt), h("dd", {}, dd)]),
    ),
    h("h4", {}, "Voice"),
    h("p", { class: "version-text" }, persona.voice),
  );
}

function list(items: readonly Child[]): Child {
  return items.length === 0
    ? "—"
    : h(
        "ul",
        { class: "plain-list" },
        items.map((i) => h("li", {}, i)),
      );
}
