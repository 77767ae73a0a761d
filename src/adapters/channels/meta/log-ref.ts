import { createHash } from "node:crypto";

/**
 * A short, stable stand-in for a platform id in logs. WhatsApp message ids embed the customer's
 * phone number (wamid.HBgL<base64 of it>...), whatsapp-web.js ids contain it verbatim.
 */
export function logRef(platformId: string): string {
  return createHash("sha256").update(platformId).digest("hex").slice(0, 12);
}
