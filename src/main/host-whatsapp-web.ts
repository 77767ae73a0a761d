import type { InboundMessage } from "../domain/inbound-message.js";
import type { OwnerMessage } from "../domain/owner-message.js";
import { createWwebClient, type WwebClientOptions } from "../adapters/channels/whatsapp-web/create-wweb-client.js";
import { startWhatsappWebChannel } from "../adapters/channels/whatsapp-web/start-whatsapp-web-channel.js";
import { WhatsappWebAdapter } from "../adapters/channels/whatsapp-web/whatsapp-web-adapter.js";
import type { WhatsappWebChannel } from "../adapters/channels/whatsapp-web/whatsapp-web-channel.js";
import type { WwebClient } from "../adapters/channels/whatsapp-web/wweb-client.js";
import type { Config } from "../config/index.js";
import { acceptInbound } from "../app/ingest/accept-inbound.js";
import { announceStored } from "../app/ingest/announce-stored.js";
import { RedisConversationEvents } from "../adapters/queue/redis-conversation-events.js";
import { acceptOwnerMessage } from "../app/ingest/accept-owner-message.js";
import type { Logger } from "../ports/logger.js";
import { createRedis } from "../adapters/queue/redis-connection.js";
import { BullTurnQueue } from "../adapters/queue/turn-queue.js";
import type { Db } from "../adapters/storage/create-db.js";
import { InboundRepository } from "../adapters/storage/ingest/inbound-repository.js";
import { OwnerMessageRepository } from "../adapters/storage/turn/owner-message-repository.js";

/** How often the host looks for whatsapp_web channels added or removed (e.g. from the console). */
const RESCAN_MS = 5000;

/**
 * Runs the whatsapp-web.js sessions of every enabled whatsapp_web channel in this process (a
 * WhatsApp Web session can live in one process only: enable it on exactly one worker). Messages
 * enter the pipeline like any other channel's; replies leave through the returned adapter.
 */
export async function hostWhatsappWebChannels(deps: {
  config: Config;
  db: Db;
  redisUrl: string;
  logger: Logger;
  print: (text: string) => void;
  /** The whatsapp-web.js client per channel; tests pass a fake of WhatsApp's side. */
  createClient?: (options: WwebClientOptions) => WwebClient;
  /** Attach the sessions to this adapter (one the worker already sends through) instead of a new one. */
  adapter?: WhatsappWebAdapter;
  /** How often to look for channels added or removed meanwhile (default RESCAN_MS). */
  rescanMs?: number;
}): Promise<{ adapter: WhatsappWebAdapter; stop(): Promise<void> }> {
  const { config, db, logger } = deps;
  const settings = config.channels.whatsappWeb;
  const adapter = deps.adapter ?? new WhatsappWebAdapter(config.limits.maxMessageChars);
  const producer = createRedis(deps.redisUrl, "producer");
  producer.on("error", (error) => logger.warn({ err: error }, "redis (whatsapp-web producer) error"));
  const queue = new BullTurnQueue(producer, config.queuePrefix, logger);
  const store = new InboundRepository(db);
  const events = new RedisConversationEvents(producer, null, config.queuePrefix);
  const owner = { store: new OwnerMessageRepository(db), logger: logger.child({ component: "owner-phone" }) };
  const running = new Map<string, WhatsappWebChannel>();
  const start = (row: { id: string; platformAccountId: string; settings: unknown }) => {
    const channel = startWhatsappWebChannel({
      client: (deps.createClient ?? createWwebClient)({ clientId: row.id, dataPath: settings.dataDir, executablePath: settings.chromiumPath }),
      channel: {
        id: row.id,
        platformAccountId: row.platformAccountId,
        allowGroups: (row.settings as { allowGroups?: unknown } | null)?.allowGroups === true,
      },
      accept: announceStored((message: InboundMessage) => acceptInbound({ store, queue }, message), events),
      acceptOwner: announceStored((message: OwnerMessage) => acceptOwnerMessage(owner, message), events),
      logger: logger.child({ channelId: row.id }),
      print: deps.print,
      maxMessageChars: config.limits.maxMessageChars,
      minReplyIntervalMs: settings.minReplyIntervalMs,
      // The state (and the QR to scan) is stored on the channel, where the admin API shows it.
      onState: (state) =>
        void db.channel
          .updateMany({ where: { id: row.id }, data: { connection: { ...state, at: new Date().toISOString() } } })
          .catch((error: unknown) => logger.warn({ err: error, channelId: row.id }, "could not store the whatsapp-web state")),
    });
    adapter.attach(channel);
    running.set(row.id, channel);
  };
  /**
   * Starts the sessions of channels added (or switched on) since the last look, from the console
   * too, and stops those removed or switched off: a new phone's QR code appears within rescanMs.
   */
  const sync = async () => {
    const all = await db.channel.findMany({
      where: { kind: "whatsapp_web" },
      select: { id: true, platformAccountId: true, settings: true, enabled: true },
    });
    const rows = all.filter((r) => r.enabled);
    const wanted = new Set(rows.map((r) => r.id));
    const exists = new Set(all.map((r) => r.id));
    for (const row of rows) if (!running.has(row.id)) start(row);
    for (const [id, channel] of running) {
      if (wanted.has(id)) continue;
      running.delete(id);
      adapter.detach(id);
      // Removed: unlink the phone too. Switched off: only stop (switching it on again needs no new scan).
      const removed = !exists.has(id);
      await (removed ? channel.unlink() : channel.stop()).catch((error: unknown) =>
        logger.warn({ err: error, channelId: id }, "could not stop a whatsapp-web session"),
      );
      logger.info(
        { channelId: id, removed },
        removed ? "whatsapp-web.js channel removed: phone unlinked" : "whatsapp-web.js channel switched off: session stopped",
      );
    }
    return rows.length;
  };
  logger.info({ channels: await sync() }, "whatsapp-web.js channels started");
  let syncing = Promise.resolve();
  const timer = setInterval(() => {
    syncing = syncing.then(() =>
      sync().then(
        () => undefined,
        (error: unknown) => logger.warn({ err: error }, "could not look for new whatsapp-web channels"),
      ),
    );
  }, deps.rescanMs ?? RESCAN_MS);
  timer.unref();
  return {
    adapter,
    async stop() {
      clearInterval(timer);
      await syncing;
      await Promise.all([...running.values()].map((c) => c.stop()));
      await queue.close();
      producer.disconnect();
    },
  };
}
