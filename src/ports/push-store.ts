import type { SealedSecret } from "../domain/secrets/secret-box.js";

/** What an alert is about; each API key chooses which kinds its devices get. */
export type AlertKind = "handoff" | "waiting";

export interface AlertSettings {
  /** A conversation was handed to a person. */
  readonly handoffs: boolean;
  /** A customer wrote in a conversation where the agent is paused: a person must answer. */
  readonly waiting: boolean;
}

export interface StoredSubscription {
  readonly id: string;
  readonly sealed: SealedSecret;
}

/** Web Push state in the database: the server's VAPID pair, browsers' subscriptions, keys' settings. */
export interface PushStore {
  loadVapid(): Promise<{ publicKey: string; sealed: SealedSecret } | null>;
  /** Stores the pair unless one is there already (another process was first): the stored one wins. */
  insertVapidIfAbsent(publicKey: string, sealed: SealedSecret): Promise<void>;
  /** Replaces any subscription with this endpoint (a browser subscribing again, maybe under another key). */
  saveSubscription(row: { id: string; apiKeyId: string; endpointHash: string; sealed: SealedSecret }): Promise<void>;
  deleteSubscription(apiKeyId: string, endpointHash: string): Promise<boolean>;
  deleteById(id: string): Promise<void>;
  countFor(apiKeyId: string): Promise<number>;
  /** Subscriptions of live keys that see this business (its own keys and owner keys) and want this kind. */
  subscriptionsToAlert(businessId: string, kind: AlertKind): Promise<StoredSubscription[]>;
  markSent(ids: readonly string[], at: Date): Promise<void>;
  getSettings(apiKeyId: string): Promise<AlertSettings | null>;
  setSettings(apiKeyId: string, settings: AlertSettings): Promise<AlertSettings | null>;
}
