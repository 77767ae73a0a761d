/**
 * Keyword patterns for customer and fan messages, English and Spanish, matched against foldText()
 * output (lower case, no accents, no punctuation: "I'm" -> "i m", "dueño" -> "dueno").
 *
 * These are a FLOOR, not a classifier: they catch the plain, common wordings so that the rules
 * hold even when the model ignores its instructions (or, in tests, produces noise). They will miss
 * paraphrases and sometimes fire on harmless text; a false escalation costs an owner a look, a
 * miss is what the model's own instructions are for. Add wordings here when a real one slips by.
 */
export const INBOUND_PATTERNS = {
  /** Handoff categories a persona can name in handoff.triggers. */
  handoff: {
    human: [
      /\b(talk|speak|chat)( to| with)? (a |an |the |some )?(real |actual |live )?(human|person|people|someone|somebody|owner|manager|staff|agent|operator)\b/,
      /\b(human|real person|live) (agent|support|operator)\b/,
      /\b(hablar|charlar|comunicarme|contactar) con (un |una |el |la |algun |alguna )?(humano|humana|persona|alguien|dueno|duena|encargado|encargada|responsable|gerente|operador|operadora)\b/,
      /\b(pasame|comunicame|ponme) con\b/,
    ],
    refund: [
      /\brefund/,
      /\bmoney back\b/,
      /\bchargeback\b/,
      /\breembols/,
      /\bdevolucion\b/,
      /\b(devolver|devuelvan|devuelvas|devuelve) (el |mi )?dinero\b/,
    ],
    complaint: [/\bcomplain/, /\bunacceptable\b/, /\bdisgusting\b/, /\bqueja/, /\bquejar/, /\breclamacion/, /\breclamo\b/, /\binaceptable\b/],
  },

  /** "Are you a bot?": a fan agent must disclose it is an AI. */
  askedIfHuman: [
    /\b(are|r) (you|u) (a |an )?(real |actual )?(human|person|bot|robot|ai|machine|real)\b/,
    /\b(you re|youre|ur) (a |an )?(real |actual )?(human|person|bot|robot|ai|machine)\b/,
    /\b(is this|am i (talking|chatting|speaking) (to|with)) (a |an )?(real )?(human|person|bot|robot|ai|machine)\b/,
    /\b(is this|are you) (really|actually|the real)\b/,
    /\b(eres|sos|es usted) (un |una )?(humano|humana|persona|bot|robot|ia|maquina|real)\b/,
    /\b(hablo|estoy hablando|chateo) con (un |una )?(humano|humana|persona|bot|robot|ia|maquina)\b/,
    /\b(eres|sos) (tu|vos) (de verdad|realmente)\b/,
    /\bde verdad eres\b/,
  ],

  /** Escalated to the owner or creator and answered only with a safe message, never by the model. */
  safety: {
    selfHarm: [
      /\b(kill|hurt|harm|cut) (myself|my self)\b/,
      /\bsuicid/,
      /\bend (it all|my life)\b/,
      /\b(want|wanna|going) to die\b/,
      /\b(don t|dont|do not) want to (live|be alive|wake up)\b/,
      /\btake my (own )?life\b/,
      /\bself harm/,
      /\b(matarme|quitarme la vida|hacerme dano|cortarme)\b/,
      /\b(quiero|me quiero) morir/,
      /\bno quiero (vivir|seguir viviendo|despertar)\b/,
      /\bautolesion/,
    ],
    /** A minor-in-danger needs both: a sign the writer is a child and a sign of harm. */
    minor: [
      /\b(i m|im|i am) (only )?([5-9]|1[0-7])( years old| yrs| yo| y o)?\b/,
      /\b(i m|im|i am) (a |just a )?(kid|child|minor)\b/,
      /\btengo (solo )?([5-9]|1[0-7]) anos\b/,
      /\bsoy (menor|un nino|una nina|nino|nina)\b/,
    ],
    danger: [
      /\b(touch(es|ed|ing)?|hits?|hitting|beats?|beating|hurts?|hurting|follows?|following|threaten(s|ed|ing)?) me\b/,
      /\b(abus|rape|molest|kidnap)/,
      /\b(nudes|naked|send (him|her|them) (pics|pictures|photos))\b/,
      /\b(scared|afraid) (of|to go home)\b/,
      /\bme (toca|pega|golpea|amenaza|sigue|obliga|hace dano)\b/,
      /\b(abus|violac|secuestr)/,
      /\b(desnud|fotos intimas|fotos sin ropa)/,
      /\bmiedo de (volver|ir) a casa\b/,
    ],
    /** Threats and slurs aimed at the agent, the owner or the creator. */
    abuse: [
      /\b(i ll|i will|gonna|going to) (kill|hurt|find|rape|stab|shoot) (you|u)\b/,
      /\bkill (yourself|urself)\b/,
      /\bkys\b/,
      /\bfu?ck (you|u|off)\b/,
      /\b(bitch|whore|slut|cunt)\b/,
      /\bte voy a (matar|encontrar|violar|hacer dano)\b/,
      /\b(matate|suicidate)\b/,
      /\b(gilipollas|malparid[oa])\b/,
      /\bhij[oa] de puta\b/,
      /\b(vete|andate) a la mierda\b/,
    ],
  },
} as const;

export type HandoffCategory = keyof typeof INBOUND_PATTERNS.handoff;
export type SafetyConcern = "self-harm" | "minor-in-danger" | "abuse";
