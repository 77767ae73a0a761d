import { createHash, timingSafeEqual } from "node:crypto";

export type ChallengeAnswer = { readonly status: 200; readonly challenge: string } | { readonly status: 400 | 403 };

const MAX_CHALLENGE_CHARS = 1024;

/**
 * Meta's subscription handshake: `GET ?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...`
 * is answered with the challenge when the token matches (compared in constant time).
 */
export function answerVerifyChallenge(query: unknown, verifyToken: string): ChallengeAnswer {
  const q = (typeof query === "object" && query !== null ? query : {}) as Record<string, unknown>;
  const mode = q["hub.mode"];
  const token = q["hub.verify_token"];
  const challenge = q["hub.challenge"];
  if (mode !== "subscribe" || typeof token !== "string" || verifyToken.length === 0 || !sameSecret(token, verifyToken)) {
    return { status: 403 };
  }
  if (typeof challenge !== "string" || challenge.length === 0 || challenge.length > MAX_CHALLENGE_CHARS) return { status: 400 };
  return { status: 200, challenge };
}

/** Constant-time equality for strings of any length (hashing first evens out the lengths). */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}
