import type { Config } from "../config/index.js";
import { InstagramAdapter } from "../adapters/channels/instagram/instagram-adapter.js";
import { GraphAccountVerifier } from "../adapters/channels/meta/graph-account-verifier.js";
import { GraphClient } from "../adapters/channels/meta/graph-client.js";
import { createStatusUpdater } from "../adapters/channels/whatsapp-cloud/apply-status-updates.js";
import { outboundStatusStore } from "../adapters/storage/turn/update-outbound-status.js";
import { WhatsappCloudAdapter } from "../adapters/channels/whatsapp-cloud/whatsapp-cloud-adapter.js";
import { FatalError } from "../domain/errors.js";
import type { InboundMessage } from "../domain/inbound-message.js";
import type { ErasureDeps } from "../app/admin/erase-contacts.js";
import type { MetaDataDeletionApp, MetaDataDeletionRouteDeps } from "../adapters/http/meta-data-deletion-routes.js";
import type { MetaWebhookRouteDeps } from "../adapters/channels/meta/meta-webhook-routes.js";
import type { ChannelAdapter } from "../ports/channel-adapter.js";
import type { InboundStore } from "../ports/inbound-store.js";
import type { Logger } from "../ports/logger.js";
import { EncryptedChannelCredentials, type ChannelCredentials } from "../domain/secrets/channel-credentials.js";
import { parseSecretKey } from "../domain/secrets/secret-box.js";
import type { Db } from "../adapters/storage/create-db.js";

/** Sealed credentials from ChannelSecret rows, opened with CHANNEL_SECRETS_KEY. */
export function channelCredentials(config: Config, db: Db): ChannelCredentials {
  const key = config.channels.secretsKey;
  if (!key) {
    return {
      getCredentials: async (channel) => {
        throw new FatalError("SECRETS_KEY_MISSING", `channel ${channel.id} needs its credentials: set CHANNEL_SECRETS_KEY`);
      },
    };
  }
  return new EncryptedChannelCredentials(
    (ref) => db.channelSecret.findUnique({ where: { id: ref }, select: { ciphertext: true, iv: true, tag: true } }),
    parseSecretKey(key),
  );
}

/** The worker's Meta adapters: replies to WhatsApp Cloud API and Instagram Direct conversations. */
export function metaAdapters(config: Config, db: Db, logger: Logger): ChannelAdapter[] {
  const credentials = channelCredentials(config, db);
  const maxMessageChars = config.limits.maxMessageChars;
  const { graphBaseUrl, graphVersion, instagramGraphBaseUrl, graphTimeoutMs: timeoutMs } = config.channels;
  return [
    new WhatsappCloudAdapter({
      graph: new GraphClient({ baseUrl: graphBaseUrl, version: graphVersion, timeoutMs }),
      credentials,
      maxMessageChars,
      logger,
    }),
    new InstagramAdapter({
      graph: new GraphClient({ baseUrl: instagramGraphBaseUrl, version: graphVersion, timeoutMs }),
      credentials,
      maxMessageChars,
      logger,
    }),
  ];
}

/** The gateway's Meta webhook routes: inbound messages to the pipeline, receipts to stored replies. */
export function metaWebhookDeps(
  config: Config,
  deps: { db: Db; store: InboundStore; accept: (m: InboundMessage) => Promise<unknown>; logger: Logger },
): MetaWebhookRouteDeps {
  return {
    accept: deps.accept,
    channels: deps.store,
    onStatus: createStatusUpdater({ statuses: outboundStatusStore(deps.db), channels: deps.store, logger: deps.logger }),
    logger: deps.logger,
    maxMessageChars: config.limits.maxMessageChars,
    bodyLimitBytes: config.channels.webhookBodyLimitBytes,
    ...(config.channels.whatsappWebhook ? { whatsapp: config.channels.whatsappWebhook } : {}),
    ...(config.channels.instagramWebhook ? { instagram: config.channels.instagramWebhook } : {}),
  };
}

/** Meta's data-deletion callback, signed with the secret of the WhatsApp and/or Instagram app; none set: not served. */
export function metaDataDeletionDeps(
  config: Config,
  erasure: ErasureDeps,
  more: Pick<MetaDataDeletionRouteDeps, "answered" | "pseudonyms">,
): MetaDataDeletionRouteDeps | undefined {
  const apps: MetaDataDeletionApp[] = [];
  if (config.channels.whatsappWebhook) apps.push({ appSecret: config.channels.whatsappWebhook.appSecret, kinds: ["whatsapp_cloud"] });
  if (config.channels.instagramWebhook) apps.push({ appSecret: config.channels.instagramWebhook.appSecret, kinds: ["instagram"] });
  return apps.length > 0
    ? { apps, erasure, publicBaseUrl: config.http.publicBaseUrl, maxAgeMs: config.channels.signedRequestMaxAgeMs, ...more }
    : undefined;
}

/** Proves WhatsApp Cloud numbers and Instagram accounts against the Graph API before they are connected. */
export function channelVerifier(config: Config): GraphAccountVerifier {
  const { graphBaseUrl, instagramGraphBaseUrl, graphVersion } = config.channels;
  return new GraphAccountVerifier({ graphBaseUrl, instagramGraphBaseUrl, version: graphVersion });
}
