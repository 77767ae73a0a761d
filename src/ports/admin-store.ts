import type { ApiKeyStore } from "./admin/api-key-store.js";
import type { BusinessSettingsStore, BusinessStore } from "./admin/business-store.js";
import type { ChannelStore } from "./admin/channel-store.js";
import type { ContactStore } from "./admin/contact-store.js";
import type { ConversationStore } from "./admin/conversation-store.js";
import type { HandoffStore } from "./admin/handoff-store.js";
import type { HoursStore } from "./admin/hours-store.js";
import type { KnowledgeAdminStore } from "./admin/knowledge-admin-store.js";
import type { PersonaStore } from "./admin/persona-store.js";
import type { ReplyFlagStore } from "./admin/reply-flag-store.js";
import type { ConsoleSessionStore } from "./console-session-store.js";
import type { ErasureStore } from "./erasure-store.js";
import type { PushStore } from "./push-store.js";

// What the admin API reads and writes, as plain records: no Prisma types past src/adapters/storage. One
// port per aggregate under ports/admin/; AdminStore bundles them for the admin API. Every method
// that takes a businessId only ever touches rows of that business.
export interface AdminStore {
  readonly businesses: BusinessStore;
  readonly hours: HoursStore;
  readonly settings: BusinessSettingsStore;
  readonly personas: PersonaStore;
  readonly channels: ChannelStore;
  readonly conversations: ConversationStore;
  readonly contacts: ContactStore;
  readonly apiKeys: ApiKeyStore;
  /** Erasure requests; finding a contact to erase is scoped to a business like everything else. */
  readonly erasures: ErasureStore;
  readonly handoffs: HandoffStore;
  readonly replyFlags: ReplyFlagStore;
  readonly knowledge: KnowledgeAdminStore;
  /** Console sign-ins (session cookies), per API key. */
  readonly consoleSessions: ConsoleSessionStore;
  /** Web Push: alert settings per key and browsers' subscriptions. */
  readonly push: PushStore;
}
