import { createHash, randomUUID } from "node:crypto";
import type { Agent } from "node:https";
import webpush from "web-push";
import { InputError } from "../../domain/errors.js";
import type { Logger } from "../../ports/logger.js";
import { openSecret, sealSecret } from "../../domain/secrets/secret-box.js";
import type { AlertKind, PushStore } from "../../ports/push-store.js";

/** What a browser's PushManager.subscribe() gives: where to POST, and the keys to encrypt for. */
export interface BrowserSubscription {
  readonly endpoint: string;
  readonly keys: { readonly p256dh: string; readonly auth: string };
}

/** One alert. Digit runs that could be phone numbers are masked in title and body before sending. */
export interface OwnerAlert {
  readonly kind: AlertKind;
  readonly conversationId: string;
  readonly title: string;
  readonly body: string;
}

export interface OwnerAlertsOptions {
  readonly store: PushStore;
  /** CHANNEL_SECRETS_KEY: seals subscriptions and the generated VAPID private key; without it, no alerts. */
  readonly secretsKey: Buffer | undefined;
  /** VAPID pair from config; otherwise generated once and stored. */
  readonly vapidKeys?: { readonly publicKey: string; readonly privateKey: string } | undefined;
  readonly subject: string;
  readonly logger: Logger;
  /** TLS agent for the push services (tests: one that trusts the fake push service's certificate). */
  readonly agent?: Agent;
  readonly timeoutMs?: number;
}

const VAPID_AAD = "web-push-vapid";

/**
 * Owner alerts by Web Push. Subscriptions are stored per API key, sealed; a push goes to every
 * device of every live key that sees the business and wants that kind. The payload is encrypted
 * end to end for the browser (RFC 8291), so the push service never reads it; nothing of it is
 * logged. A subscription the push service says is gone (404, 410) is deleted.
 */
export class OwnerAlerts {
  private vapid: Promise<{ publicKey: string; privateKey: string }> | undefined;

  constructor(private readonly options: OwnerAlertsOptions) {}

  /** Whether this server can send alerts at all (it needs a key to seal subscriptions with). */
  get available(): boolean {
    return this.options.secretsKey !== undefined;
  }

  async publicKey(): Promise<string> {
    return (await this.vapidKeys()).publicKey;
  }

  async subscribe(apiKeyId: string, subscription: BrowserSubscription): Promise<void> {
    const key = this.requireKey();
    const id = randomUUID();
    const sealed = sealSecret(JSON.stringify({ endpoint: subscription.endpoint, keys: subscription.keys }), key, id);
    await this.options.store.saveSubscription({ id, apiKeyId, endpointHash: endpointHash(subscription.endpoint), sealed });
  }

  unsubscribe(apiKeyId: string, endpoint: string): Promise<boolean> {
    return this.options.store.deleteSubscription(apiKeyId, endpointHash(endpoint));
  }

  /**
   * Sends the alert to the business's owners' devices; resolves to how many took it. Never throws:
   * an alert that cannot be sent is logged (without its words) and dropped.
   */
  async notifyOwners(businessId: string, alert: OwnerAlert): Promise<number> {
    if (!this.available) return 0;
    const log = { businessId, conversationId: alert.conversationId, kind: alert.kind };
    try {
      const vapid = await this.vapidKeys();
      const rows = await this.options.store.subscriptionsToAlert(businessId, alert.kind);
      // Whatever the caller wrote (a channel named after its number, a customer's words): no phone numbers shown.
      const shown = { title: maskPhoneNumbers(alert.title).slice(0, 120), body: maskPhoneNumbers(alert.body).slice(0, 240) };
      const payload = JSON.stringify({ ...alert, ...shown, businessId, url: `/console/#/inbox/${encodeURIComponent(alert.conversationId)}` });
      const sent: string[] = [];
      await Promise.all(
        rows.map(async (row) => {
          let subscription: BrowserSubscription;
          try {
            subscription = JSON.parse(openSecret(row.sealed, this.options.secretsKey!, row.id)) as BrowserSubscription;
          } catch {
            this.options.logger.warn({ ...log, subscriptionId: row.id }, "a push subscription could not be opened (other secrets key?): deleted");
            await this.options.store.deleteById(row.id);
            return;
          }
          try {
            await webpush.sendNotification(subscription, payload, {
              vapidDetails: { subject: this.options.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
              TTL: 24 * 3600,
              urgency: "high",
              topic: alert.conversationId.replace(/-/g, "").slice(0, 32),
              timeout: this.options.timeoutMs ?? 10_000,
              ...(this.options.agent ? { agent: this.options.agent } : {}),
            });
            sent.push(row.id);
          } catch (error) {
            const status = (error as { statusCode?: number }).statusCode;
            if (status === 404 || status === 410) {
              await this.options.store.deleteById(row.id);
              this.options.logger.info({ ...log, subscriptionId: row.id, status }, "push subscription expired: deleted");
            } else {
              this.options.logger.warn({ ...log, subscriptionId: row.id, status, err: { message: (error as Error).message } }, "push not delivered");
            }
          }
        }),
      );
      await this.options.store.markSent(sent, new Date());
      if (rows.length) this.options.logger.info({ ...log, devices: rows.length, sent: sent.length }, "owner alert pushed");
      return sent.length;
    } catch (error) {
      this.options.logger.warn({ ...log, err: { message: (error as Error).message } }, "owner alert not sent");
      return 0;
    }
  }

  private requireKey(): Buffer {
    if (!this.options.secretsKey)
      throw new InputError("ALERTS_NOT_CONFIGURED", "this server cannot store alert subscriptions (it has no CHANNEL_SECRETS_KEY)", 422);
    return this.options.secretsKey;
  }

  private vapidKeys(): Promise<{ publicKey: string; privateKey: string }> {
    this.vapid ??= this.loadVapid().catch((error: unknown) => {
      this.vapid = undefined;
      throw error;
    });
    return this.vapid;
  }

  private async loadVapid(): Promise<{ publicKey: string; privateKey: string }> {
    if (this.options.vapidKeys) return { ...this.options.vapidKeys };
    const key = this.requireKey();
    const stored = await this.options.store.loadVapid();
    if (stored) return { publicKey: stored.publicKey, privateKey: openSecret(stored.sealed, key, VAPID_AAD) };
    const fresh = webpush.generateVAPIDKeys();
    await this.options.store.insertVapidIfAbsent(fresh.publicKey, sealSecret(fresh.privateKey, key, VAPID_AAD));
    // Another process may have stored its pair first: use whatever is stored.
    const winner = (await this.options.store.loadVapid())!;
    return { publicKey: winner.publicKey, privateKey: openSecret(winner.sealed, key, VAPID_AAD) };
  }
}

const endpointHash = (endpoint: string) => createHash("sha256").update(endpoint).digest("hex");

/** Digit runs that could be a phone number (6+ digits, spaces, dots, dashes, brackets) become "…". */
export function maskPhoneNumbers(text: string): string {
  return text.replace(/[+(]?\d[\d\s().-]{4,}\d/g, (run) => (run.replace(/\D/g, "").length >= 6 ? "…" : run));
}

/** The customer's words as a short notification line. */
export function previewLine(text: string, max = 90): string {
  const line = maskPhoneNumbers(text.replace(/\s+/g, " ").trim());
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
