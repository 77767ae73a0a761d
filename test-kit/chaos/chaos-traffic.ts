import { createHmac } from "node:crypto";

export { cloudTextWebhook } from "../cloud-webhooks.js";

export interface WebhookDelivery {
  /** A gateway answered 200: Meta stops redelivering. */
  readonly accepted: boolean;
  readonly attempts: number;
  /** What the attempts before the last met: status codes, or "connection" for a refused or dropped connection. */
  readonly refusals: readonly (number | "connection")[];
}

/**
 * Posts a signed webhook like Meta: redelivered with backoff while no gateway answers 200. Each
 * attempt goes to one of the gateways (`pickUrl`, e.g. at random, as a load balancer would); a
 * gateway that is down refuses the connection and the next attempt may reach another.
 */
export async function deliverWebhook(pickUrl: () => string, body: string, appSecret: string, maxAttempts = 40): Promise<WebhookDelivery> {
  const signature = `sha256=${createHmac("sha256", appSecret).update(body).digest("hex")}`;
  const refusals: (number | "connection")[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(pickUrl(), {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": signature },
        body,
        signal: AbortSignal.timeout(20_000),
      });
      await res.arrayBuffer();
      if (res.status === 200) return { accepted: true, attempts: attempt, refusals };
      refusals.push(res.status);
    } catch {
      refusals.push("connection");
    }
    if (attempt >= maxAttempts) return { accepted: false, attempts: attempt, refusals };
    await new Promise((r) => setTimeout(r, Math.min(200 * attempt, 2000)));
  }
}
