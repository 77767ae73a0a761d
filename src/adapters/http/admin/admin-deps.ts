import type { AdminStore } from "../../../ports/admin-store.js";
import type { SecretHasher } from "../../../app/admin/api-key-secret.js";
import type { ConsoleSessions } from "../../../app/admin/console-sessions.js";
import type { OwnerAlerts } from "../../../app/alerts/owner-alerts.js";
import type { ConversationEvents } from "../../../ports/conversation-events.js";
import type { Logger } from "../../../ports/logger.js";
import type { ChannelAccountVerifier } from "../../../ports/channel-account-verifier.js";
import type { QueuedWork } from "../../../ports/queued-work.js";
import type { TurnJob } from "../../../ports/turn-queue.js";
import { Pseudonyms } from "../../../domain/secrets/pseudonyms.js";

/** Without PSEUDONYM_KEY: erasure records keep no subject hash. */
export const NO_PSEUDONYMS = Pseudonyms.fromKey(undefined);

/** What the admin API needs; compose-gateway builds it (createAdminStore(db) for the store). */
export interface AdminApiDeps {
  readonly store: AdminStore;
  /** Whether an error the store threw means its database could not be reached (answered 503, not 500). */
  readonly isStoreUnavailable: (error: unknown) => boolean;
  readonly logger: Logger;
  /** Tokens of a system prompt as the worker's model counts them, to refuse personas that do not fit the context budget. */
  readonly countTokens: (systemPrompt: string) => number | Promise<number>;
  /** The most tokens a persona may take, given the reply length its business keeps room for (its replyMaxTokens). */
  readonly personaBudget: (replyMaxTokens: number) => number;
  /** CHANNEL_SECRETS_KEY (32 bytes); without it, channels that need credentials cannot be added. */
  readonly channelSecretsKey: Buffer | undefined;
  /** Hands a stored outbox entry (a human reply) to delivery: the outbox queue / worker. */
  readonly deliver: (outboxId: string) => Promise<unknown>;
  /** Live "this conversation changed" events for the console (GET /businesses/:id/events). */
  readonly events: ConversationEvents;
  /** How often an open event stream sends a keep-alive and re-checks its key; default 25 s. */
  readonly eventsHeartbeatMs?: number;
  /** Queues the agent's turn for a message unless one is queued already (resume answers what waited); true if it queued one. */
  readonly requeueTurn: (job: TurnJob) => Promise<boolean>;
  /** The queue's jobs and locks of a contact being erased. */
  readonly queuedWork: QueuedWork;
  /** Longest message a person may send through takeover (MAX_MESSAGE_CHARS). */
  readonly maxMessageChars: number;
  /** Largest admin request body; default 1 MiB (persona texts are larger than chat messages). */
  readonly bodyLimitBytes?: number;
  /** Tests count hash compares through this; default SHA-256 + timingSafeEqual. */
  readonly hasher?: SecretHasher;
  readonly clock?: () => Date;
  /** Keyed hashes for the erasure record (PSEUDONYM_KEY); default: none kept. */
  readonly pseudonyms?: Pseudonyms;
  /** Asks the platform whether an access token controls the account a new Meta channel names. */
  readonly channelVerifier: ChannelAccountVerifier;
  /** Most channels one business may have (CHANNELS_PER_BUSINESS_MAX). */
  readonly channelsPerBusinessMax: number;
  /** Console sign-ins; default: over store.consoleSessions, lasting sessionTtlMs. */
  readonly sessions?: ConsoleSessions;
  /** How long a console sign-in lasts (CONSOLE_SESSION_DAYS); default 30 days. */
  readonly sessionTtlMs?: number;
  /** Owner alerts by Web Push (subscriptions of the calling key); absent: the alert routes answer 422. */
  readonly alerts?: OwnerAlerts;
  /** PUBLIC_BASE_URL: its origin is the console's own too (the Origin check of cookie requests). */
  readonly publicBaseUrl?: string;
}
