import { randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import type { BusinessSettings } from "../../src/domain/business-settings.js";
import type { Persona } from "../../src/domain/personas/persona-schema.js";
import { EncryptedChannelCredentials, sealChannelCredentials } from "../../src/domain/secrets/channel-credentials.js";
import type { SealedSecret } from "../../src/domain/secrets/secret-box.js";
import { GraphClient } from "../../src/adapters/channels/meta/graph-client.js";
import { WebchatAdapter } from "../../src/adapters/channels/webchat/webchat-adapter.js";
import { WhatsappCloudAdapter } from "../../src/adapters/channels/whatsapp-cloud/whatsapp-cloud-adapter.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { deliverReply, type DeliveryDeps, type DeliveryResult } from "../../src/app/turn/deliver-reply.js";
import { handleTurn, type TurnDeps, type TurnOutcome } from "../../src/app/turn/handle-turn.js";
import type { ChannelKind } from "../../src/domain/inbound-message.js";
import type { ChannelAdapter } from "../../src/ports/channel-adapter.js";
import type { ChatModel } from "../../src/ports/chat-model.js";
import { FakeGraphServer } from "../fake-graph-server.js";
import { InMemoryConversationLock } from "./in-memory-conversation-lock.js";
import { InMemoryOutboxStore } from "./in-memory-outbox-store.js";
import { InMemoryReplyBus } from "./in-memory-reply-bus.js";
import { InMemoryTurnStore } from "./in-memory-turn-store.js";
import { TurnTables } from "./turn-tables.js";
import { WordChatModel } from "./word-chat-model.js";

export interface InMemoryWorkerOptions {
  readonly persona: Persona;
  readonly settings?: Partial<BusinessSettings>;
  readonly model?: ChatModel;
  readonly lockTtlMs?: number;
}

/**
 * The turn and delivery use cases composed as compose-worker.ts composes them, over the in-memory
 * ports, the real web chat and WhatsApp Cloud adapters, a fake Graph API on loopback and the real
 * logger writing into `logs`. No PostgreSQL, Redis or model.
 */
export class InMemoryWorker {
  readonly tables: TurnTables;
  readonly store: InMemoryTurnStore;
  readonly outbox: InMemoryOutboxStore;
  readonly lock: InMemoryConversationLock;
  readonly bus = new InMemoryReplyBus();
  readonly model: ChatModel;
  readonly webchat;
  readonly whatsapp;
  /** Every log line, parsed. */
  readonly logs: Array<Record<string, unknown>> = [];
  /** What each delivery the turns asked for came to, in order. */
  readonly deliveries: DeliveryResult[] = [];
  /** Openings the turns scheduled. */
  readonly openings: Date[] = [];
  readonly delivery: DeliveryDeps;

  private constructor(
    readonly graph: FakeGraphServer,
    options: InMemoryWorkerOptions,
  ) {
    this.tables = new TurnTables(options.persona, { turnDebounceMs: 0, temperature: 0, replyMaxTokens: 24, ...options.settings });
    this.store = new InMemoryTurnStore(this.tables);
    this.outbox = new InMemoryOutboxStore(this.tables);
    this.lock = new InMemoryConversationLock(options.lockTtlMs ?? 30_000);
    this.model = options.model ?? new WordChatModel();
    const stream = new PassThrough();
    stream.on("data", (line: Buffer) => this.logs.push(JSON.parse(line.toString()) as Record<string, unknown>));
    const logger = createLogger("debug", "in-memory-worker", stream);
    const key = randomBytes(32);
    const secrets = new Map<string, SealedSecret>();
    this.webchat = this.tables.addChannel("webchat");
    this.whatsapp = this.tables.addChannel("whatsapp_cloud", { platformAccountId: "106540352242922", credentialsRef: "whatsapp-secret" });
    secrets.set(
      "whatsapp-secret",
      sealChannelCredentials({ accessToken: "token", appSecret: "secret", verifyToken: "verify" }, key, this.whatsapp.id),
    );
    this.delivery = {
      outbox: this.outbox,
      adapters: new Map<ChannelKind, ChannelAdapter>([
        ["webchat", new WebchatAdapter(this.bus, 4000)],
        [
          "whatsapp_cloud",
          new WhatsappCloudAdapter({
            graph: new GraphClient({ baseUrl: graph.baseUrl, version: "v23.0", timeoutMs: 15_000, baseDelayMs: 1, maxDelayMs: 5 }),
            credentials: new EncryptedChannelCredentials(async (ref) => secrets.get(ref) ?? null, key),
            maxMessageChars: 4000,
            logger,
          }),
        ],
      ]),
      logger,
      maxAttempts: 3,
      recordRetryDelaysMs: [1, 1],
    };
    this.turnDeps = {
      store: this.store,
      model: this.model,
      lock: this.lock,
      logger,
      lockRenewMs: 10_000,
      workerName: "in-memory",
      chunkTokens: 16,
      interrupt: "wait",
      interruptPollMs: 20,
      maxRestarts: 2,
      publicBaseUrl: "https://parlor.example",
      deliver: async (outboxId) => {
        const result = await deliverReply(this.delivery, outboxId);
        this.deliveries.push(result);
        return result;
      },
      scheduleOpening: async (_businessId, opensAt) => {
        this.openings.push(opensAt);
      },
    };
  }

  readonly turnDeps: TurnDeps;

  static async start(options: InMemoryWorkerOptions): Promise<InMemoryWorker> {
    return new InMemoryWorker(await FakeGraphServer.start(), options);
  }

  /** One turn of the conversation, with these deps changed. */
  turn(conversationId: string, changes: Partial<TurnDeps> = {}): Promise<TurnOutcome> {
    return handleTurn({ ...this.turnDeps, ...changes }, { conversationId, messageId: "", businessId: this.tables.business.id });
  }

  /** A customer's message stored as ingest stores it; each customer writes on the web chat unless told. */
  says(senderId: string, text: string, channel: { id: string } = this.webchat) {
    return this.tables.receive(channel.id, { senderId, text, platformMessageId: `wamid.${randomBytes(6).toString("hex")}` });
  }

  /** The conversation's stored messages, oldest first: [direction, status, text]. */
  stored(conversationId: string) {
    return this.tables.messagesOf(conversationId).map((m) => [m.direction, m.status, m.text] as const);
  }

  close(): Promise<void> {
    return this.graph.close();
  }
}
