import type { Persona } from "../personas/persona-schema.js";
import type { ReplyLanguage } from "./reply-language.js";

type OwnReplyKey = keyof Persona["settings"]["replies"];
export type PolicyReplyKey = OwnReplyKey | "selfHarm" | "minorInDanger" | "abuse";

// {who} is "the owner" / "equipo de <business>" for a business, "<name>'s team" / "equipo de <name>"
// for a creator (the Spanish texts put "al"/"del" before it). Safety texts cannot be
// overridden by a persona: they must keep pointing at real help.
const DEFAULTS: Record<ReplyLanguage, Record<PolicyReplyKey, string>> = {
  en: {
    fallback: "Sorry, I can't give you a reliable answer to that here. Could you ask me another way?",
    handoff: "Thanks for telling me. I've passed this on to {who}, who will reply to you personally as soon as possible.",
    decline: "Sorry, that's not something I can talk about here. Ask me about anything else!",
    capNotice: "Thanks for all the messages today! I've reached my chat limit for today, so I'll be quiet until tomorrow. Talk soon!",
    floodNotice: "That's a lot of messages at once! Please send your question in one message and give me a moment to answer.",
    selfHarm:
      "I'm really sorry you're going through this. I'm an AI and can't give you the help you deserve, but you don't have to face it alone: if you might act on these thoughts, call your local emergency number now, or find a free, confidential helpline at https://findahelpline.com. I've also let {who} know.",
    minorInDanger:
      "What you describe sounds serious, and you deserve to be safe. Please tell an adult you trust, or call your local emergency number if you are in danger right now. You can find a free helpline for young people at https://findahelpline.com. I've also let {who} know.",
    abuse: "I'm going to stop here. This conversation has been passed to {who}.",
  },
  es: {
    fallback: "Lo siento, no puedo darte una respuesta fiable a eso aquí. ¿Puedes preguntármelo de otra forma?",
    handoff: "Gracias por contármelo. Se lo he pasado al {who}, que te responderá personalmente lo antes posible.",
    decline: "Lo siento, de eso no puedo hablar aquí. ¡Pregúntame cualquier otra cosa!",
    capNotice:
      "¡Gracias por todos tus mensajes de hoy! He llegado a mi límite de chat por hoy, así que no responderé hasta mañana. ¡Hablamos pronto!",
    floodNotice: "¡Son muchos mensajes a la vez! Envíame tu pregunta en un solo mensaje y dame un momento para responder.",
    selfHarm:
      "Siento mucho que estés pasando por esto. Soy una IA y no puedo darte la ayuda que mereces, pero no tienes que afrontarlo solo: si puedes llegar a hacerte daño, llama ahora al número de emergencias de tu país, o busca una línea de ayuda gratuita y confidencial en https://findahelpline.com. También he avisado al {who}.",
    minorInDanger:
      "Lo que cuentas es serio y mereces estar a salvo. Cuéntaselo a un adulto de confianza, o llama al número de emergencias si estás en peligro ahora mismo. En https://findahelpline.com encontrarás una línea de ayuda gratuita para jóvenes. También he avisado al {who}.",
    abuse: "Voy a parar aquí. Esta conversación ha pasado al {who}.",
  },
};

const WHO: Record<ReplyLanguage, { support: string; fan: (name: string) => string }> = {
  en: { support: "the owner", fan: (name) => `${name}'s team` },
  es: { support: "equipo de {business}", fan: (name) => `equipo de ${name}` },
};

/** A text the code says without the model: the persona's own wording if it has one, else the default. */
export function policyReply(persona: Persona, key: PolicyReplyKey, language: ReplyLanguage): string {
  const own = Object.hasOwn(persona.settings.replies, key) ? persona.settings.replies[key as OwnReplyKey] : undefined;
  const who = persona.settings.kind === "fan" ? WHO[language].fan(persona.settings.name) : WHO[language].support;
  return (own ?? DEFAULTS[language][key])
    .replaceAll("{who}", who)
    .replaceAll("{name}", persona.settings.name)
    .replaceAll("{business}", persona.settings.business);
}

/** The persona's disclosure line, or for a business without one: "I'm Rosa, the AI assistant of Sunrise Bakery." */
export function disclosureLine(persona: Persona, language: ReplyLanguage): string {
  const m = persona.settings;
  if (m.disclosure) return m.disclosure;
  return language === "es" ? `Soy ${m.name}, el asistente de IA de ${m.business}.` : `I'm ${m.name}, the AI assistant of ${m.business}.`;
}
