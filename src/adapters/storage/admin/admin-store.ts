import type { AdminStore } from "../../../ports/admin-store.js";
import { AdminBusinessRepository } from "./admin-business-repository.js";
import { AdminChannelRepository } from "./admin-channel-repository.js";
import { AdminHoursRepository } from "./admin-hours-repository.js";
import { AdminSettingsRepository } from "./admin-settings-repository.js";
import { AdminKnowledgeRepository } from "./admin-knowledge-repository.js";
import { AdminContactRepository } from "./admin-contact-repository.js";
import { AdminHandoffRepository } from "./admin-handoff-repository.js";
import { AdminReplyFlagRepository } from "./admin-reply-flag-repository.js";
import { AdminConversationRepository } from "./admin-conversation-repository.js";
import { AdminPersonaRepository } from "./admin-persona-repository.js";
import { ApiKeyRepository } from "./api-key-repository.js";
import { ConsoleSessionRepository } from "./console-session-repository.js";
import { PushRepository } from "./push-repository.js";
import type { Db } from "../create-db.js";
import { ErasureRepository } from "./erasure-repository.js";

/** Everything the admin API reads and writes, over one Prisma client. */
export function createAdminStore(db: Db): AdminStore {
  return {
    businesses: new AdminBusinessRepository(db),
    hours: new AdminHoursRepository(db),
    settings: new AdminSettingsRepository(db),
    personas: new AdminPersonaRepository(db),
    channels: new AdminChannelRepository(db),
    conversations: new AdminConversationRepository(db),
    contacts: new AdminContactRepository(db),
    apiKeys: new ApiKeyRepository(db),
    erasures: new ErasureRepository(db),
    handoffs: new AdminHandoffRepository(db),
    replyFlags: new AdminReplyFlagRepository(db),
    knowledge: new AdminKnowledgeRepository(db),
    consoleSessions: new ConsoleSessionRepository(db),
    push: new PushRepository(db),
  };
}
