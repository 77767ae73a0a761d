import { isDatabaseUnreachable } from "../src/adapters/storage/db-unavailable.js";
import { BUSINESS_SETTING_DEFAULTS } from "../src/domain/business-settings.js";
import { randomBytes, randomUUID } from "node:crypto";
import Fastify, { type FastifyInstance } from "fastify";
import { issueApiKey } from "../src/app/admin/issue-api-key.js";
import { GraphAccountVerifier } from "../src/adapters/channels/meta/graph-account-verifier.js";
import type { AdminStore } from "../src/ports/admin-store.js";
import { installErrorHandler } from "../src/adapters/http/error-handler.js";
import { registerAdminApi, type AdminApiDeps } from "../src/adapters/http/admin/register-admin-api.js";
import { createLogger } from "../src/adapters/logging/create-logger.js";
import { loadPersonaTemplate } from "../src/domain/personas/persona-templates.js";
import { createAdminStore } from "../src/adapters/storage/admin/admin-store.js";
import type { Db } from "../src/adapters/storage/create-db.js";
import { InboundRepository } from "../src/adapters/storage/ingest/inbound-repository.js";
import { seedBusiness } from "../src/adapters/storage/seed-business.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";
import { createTestQueues } from "./test-queued-work.js";
import { FakeGraphAccounts } from "./fake-graph-accounts.js";
import { OwnerAlerts } from "../src/app/alerts/owner-alerts.js";
import { PushRepository } from "../src/adapters/storage/admin/push-repository.js";

/** A whitespace "tokenizer": enough to test the budget without a model. */
export const countWords = (text: string): number => text.split(/\s+/).filter(Boolean).length;
export const MAX_PERSONA_TOKENS = 400;

export interface AdminTestApp {
  readonly app: FastifyInstance;
  readonly store: AdminStore;
  /** Every "METHOD url" registered, as Fastify's onRoute hook saw them. */
  readonly routes: string[];
  /** Outbox ids handed to deliver(). */
  readonly delivered: string[];
  readonly secretsKey: Buffer;
  /** The Graph API the channel routes prove WhatsApp Cloud numbers and Instagram accounts against. */
  readonly graph: FakeGraphAccounts;
  /** Owner alerts (Web Push) over this app's database, sealing with secretsKey. */
  readonly alerts: OwnerAlerts;
}

/** The admin plugin on a bare Fastify app with the gateway's error handler, as build-app would mount it. */
export async function buildAdminTestApp(db: Db, overrides: Partial<AdminApiDeps> = {}): Promise<AdminTestApp> {
  const app = Fastify();
  const logger = createLogger("silent", "admin-test");
  installErrorHandler(app, logger);
  const routes: string[] = [];
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) routes.push(`${method} ${route.url}`);
  });
  const store = createAdminStore(db);
  const delivered: string[] = [];
  const secretsKey = randomBytes(32);
  // Erasing a contact removes its jobs from the real queues (a prefix of this app's own).
  const queues = overrides.queuedWork && overrides.events ? null : createTestQueues(logger);
  if (queues) app.addHook("onClose", () => queues.close());
  const graph = await FakeGraphAccounts.start();
  const alerts = overrides.alerts ?? new OwnerAlerts({ store: new PushRepository(db), secretsKey, subject: "mailto:owner@example.com", logger });
  app.addHook("onClose", () => graph.close());
  registerAdminApi(app, {
    isStoreUnavailable: isDatabaseUnreachable,
    store,
    logger,
    countTokens: countWords,
    // MAX_PERSONA_TOKENS at a business's default reply length; longer replies leave a persona less, as in the gateway.
    personaBudget: (replyMaxTokens) => MAX_PERSONA_TOKENS + BUSINESS_SETTING_DEFAULTS.replyMaxTokens - replyMaxTokens,
    channelSecretsKey: secretsKey,
    deliver: async (outboxId) => void delivered.push(outboxId),
    maxMessageChars: 500,
    queuedWork: overrides.queuedWork ?? queues!.work,
    requeueTurn: (job) => (queues ? queues.turns.requeueTurn(job) : Promise.resolve(false)),
    events: overrides.events ?? queues!.events,
    channelVerifier: new GraphAccountVerifier({ graphBaseUrl: graph.baseUrl, instagramGraphBaseUrl: graph.baseUrl, version: "v23.0" }),
    channelsPerBusinessMax: 10,
    alerts,
    ...overrides,
  });
  await app.ready();
  return { app, store, routes, delivered, secretsKey, graph, alerts };
}

export interface Shop {
  readonly slug: string;
  readonly businessId: string;
  readonly personaId: string;
  readonly channelId: string;
  readonly channelKey: string;
  readonly contactId: string;
  readonly conversationId: string;
  readonly inboundMessageId: string;
  readonly keyId: string;
  /** Bearer header value for this business's key. */
  readonly auth: string;
}

/** A business as the seed CLI makes it, plus one customer message and one API key. */
export async function seedShop(db: Db, store: AdminStore, slug: string): Promise<Shop> {
  const seeded = await seedBusiness(db, await loadPersonaTemplate("support-bakery"), slug);
  const inbound = new InboundRepository(db);
  const channel = await inbound.findChannel("webchat", seeded.channelKey);
  const stored = await inbound.storeInbound(channel!, {
    channelKind: "webchat",
    platformAccountId: seeded.channelKey,
    platformMessageId: randomUUID(),
    senderId: randomBytes(12).toString("hex"),
    senderName: "Ana",
    kind: "text",
    text: "Do you have rye bread today?",
    sentAt: new Date(),
  });
  const conversation = await db.conversation.findUniqueOrThrow({ where: { id: stored.conversationId }, select: { contactId: true } });
  const persona = await db.persona.findFirstOrThrow({ where: { businessId: seeded.businessId }, select: { id: true } });
  const key = await issueApiKey(store.apiKeys, { businessId: seeded.businessId, name: `${slug} key` });
  return {
    slug,
    businessId: seeded.businessId,
    personaId: persona.id,
    channelId: channel!.id,
    channelKey: seeded.channelKey,
    contactId: conversation.contactId,
    conversationId: stored.conversationId,
    inboundMessageId: stored.messageId,
    keyId: key.record.id,
    auth: `Bearer ${key.key}`,
  };
}

export async function ownerAuth(store: AdminStore): Promise<string> {
  return `Bearer ${(await issueApiKey(store.apiKeys, { businessId: null, name: "owner" })).key}`;
}

/** A test file's database with the admin tables. */
export async function createAdminTestDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  return database;
}
