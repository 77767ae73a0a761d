import type { AlertKind, AlertSettings, PushStore, StoredSubscription } from "../../../ports/push-store.js";
import type { SealedSecret } from "../../../domain/secrets/secret-box.js";
import type { Db } from "../create-db.js";
import { withDatabase } from "../db-unavailable.js";

const bytes = (s: SealedSecret) => ({ sealed: Uint8Array.from(s.ciphertext), iv: Uint8Array.from(s.iv), tag: Uint8Array.from(s.tag) });
const sealedOf = (row: { sealed: Uint8Array; iv: Uint8Array; tag: Uint8Array }): SealedSecret => ({
  ciphertext: row.sealed,
  iv: row.iv,
  tag: row.tag,
});

export class PushRepository implements PushStore {
  constructor(private readonly db: Db) {}

  async loadVapid(): Promise<{ publicKey: string; sealed: SealedSecret } | null> {
    const row = await withDatabase(() => this.db.webPushKeys.findUnique({ where: { id: 1 } }));
    return row ? { publicKey: row.publicKey, sealed: sealedOf(row) } : null;
  }

  async insertVapidIfAbsent(publicKey: string, sealed: SealedSecret): Promise<void> {
    await withDatabase(() => this.db.webPushKeys.createMany({ data: [{ id: 1, publicKey, ...bytes(sealed) }], skipDuplicates: true }));
  }

  async saveSubscription(row: { id: string; apiKeyId: string; endpointHash: string; sealed: SealedSecret }): Promise<void> {
    await withDatabase(() =>
      this.db.$transaction([
        this.db.pushSubscription.deleteMany({ where: { endpointHash: row.endpointHash } }),
        this.db.pushSubscription.create({
          data: { id: row.id, apiKeyId: row.apiKeyId, endpointHash: row.endpointHash, ...bytes(row.sealed) },
          select: { id: true },
        }),
      ]),
    );
  }

  async deleteSubscription(apiKeyId: string, endpointHash: string): Promise<boolean> {
    const { count } = await withDatabase(() => this.db.pushSubscription.deleteMany({ where: { apiKeyId, endpointHash } }));
    return count > 0;
  }

  async deleteById(id: string): Promise<void> {
    await withDatabase(() => this.db.pushSubscription.deleteMany({ where: { id } }));
  }

  countFor(apiKeyId: string): Promise<number> {
    return withDatabase(() => this.db.pushSubscription.count({ where: { apiKeyId } }));
  }

  async subscriptionsToAlert(businessId: string, kind: AlertKind): Promise<StoredSubscription[]> {
    const rows = await withDatabase(() =>
      this.db.pushSubscription.findMany({
        where: {
          apiKey: {
            revokedAt: null,
            OR: [{ businessId }, { businessId: null }],
            ...(kind === "handoff" ? { alertHandoffs: true } : { alertWaiting: true }),
          },
        },
        select: { id: true, sealed: true, iv: true, tag: true },
        take: 500,
      }),
    );
    return rows.map((row) => ({ id: row.id, sealed: sealedOf(row) }));
  }

  async markSent(ids: readonly string[], at: Date): Promise<void> {
    if (ids.length) await withDatabase(() => this.db.pushSubscription.updateMany({ where: { id: { in: [...ids] } }, data: { lastSentAt: at } }));
  }

  async getSettings(apiKeyId: string): Promise<AlertSettings | null> {
    const row = await withDatabase(() => this.db.apiKey.findUnique({ where: { id: apiKeyId }, select: { alertHandoffs: true, alertWaiting: true } }));
    return row ? { handoffs: row.alertHandoffs, waiting: row.alertWaiting } : null;
  }

  async setSettings(apiKeyId: string, settings: AlertSettings): Promise<AlertSettings | null> {
    const { count } = await withDatabase(() =>
      this.db.apiKey.updateMany({ where: { id: apiKeyId }, data: { alertHandoffs: settings.handoffs, alertWaiting: settings.waiting } }),
    );
    return count ? settings : null;
  }
}
