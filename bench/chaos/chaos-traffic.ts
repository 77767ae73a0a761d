import { createHmac } from "node:crypto";

/** A WhatsApp Cloud API webhook for one customer text, as Meta sends it (see test/fixtures/meta). */
export function cloudTextWebhook(phoneNumberId: string, from: string, wamid: string, text: string): string {
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "102290129340398",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550783881", phone_number_id: phoneNumberId },
              contacts: [{ profile: { name: `Customer ${from.slice(-4)}` }, wa_id: from }],
              messages: [{ from, id: wamid, timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: text } }],
            },
          },
        ],
      },
    ],
  });
}

/** Posts a signed webhook like Meta: retried with backoff while the gateway answers non-200. */
export async function deliverWebhook(url: string, body: string, appSecret: string, maxAttempts = 30): Promise<number> {
  const signature = `sha256=${createHmac("sha256", appSecret).update(body).digest("hex")}`;
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-hub-signature-256": signature }, body });
      await res.arrayBuffer();
      if (res.status === 200 || attempt >= maxAttempts) return attempt;
    } catch {
      if (attempt >= maxAttempts) return attempt;
    }
    await new Promise((r) => setTimeout(r, Math.min(200 * attempt, 2000)));
  }
}
