import { PartialSendError, PlatformRejectedError } from "../../../ports/channel-adapter.js";
import type { Logger } from "../../../ports/logger.js";
import type { ChannelCredentials } from "../../../domain/secrets/channel-credentials.js";
import { assertInsideCustomerWindow, CUSTOMER_WINDOW_MS } from "./customer-window.js";
import type { GraphClient } from "./graph-client.js";
import { loadCredentials } from "./load-credentials.js";
import type { MetaDelivery } from "./meta-delivery.js";
import { splitMessage } from "./split-message.js";

/** What both Meta adapters (WhatsApp Cloud API, Instagram) are built from. */
export interface MetaAdapterOptions {
  readonly graph: GraphClient;
  readonly credentials: ChannelCredentials;
  /** Longest customer message accepted inbound (config limits.maxMessageChars). */
  readonly maxMessageChars: number;
  readonly logger: Logger;
  readonly now?: () => Date;
  readonly windowMs?: number;
  readonly textLimit?: number;
}

export interface PreparedSend {
  readonly parts: string[];
  readonly accessToken: string;
  /** `{account id}/messages`, relative to the Graph base URL and version. */
  readonly path: string;
}

/** The checks and inputs every Meta send starts with: the 24-hour window, the split text, the token. */
export async function prepareMetaSend(o: MetaAdapterOptions, delivery: MetaDelivery, defaultLimit: number): Promise<PreparedSend> {
  assertInsideCustomerWindow(delivery.lastInboundAt, o.now?.() ?? new Date(), o.windowMs ?? CUSTOMER_WINDOW_MS);
  const parts = splitMessage(delivery.text, o.textLimit ?? defaultLimit);
  if (parts.length === 0) throw new PlatformRejectedError("the reply is empty");
  const { accessToken } = await loadCredentials(o.credentials, delivery.channel);
  return { parts, accessToken, path: `${encodeURIComponent(delivery.channel.platformAccountId)}/messages` };
}

/**
 * Sends each part in order from `startAt` (parts an earlier attempt sent are skipped), collecting
 * the platform ids. A failure after some parts went out says how far it got (PartialSendError).
 */
export async function sendParts(
  prepared: PreparedSend,
  post: (path: string, token: string, text: string) => Promise<string | undefined>,
  onMissingId: (part: number) => void,
  startAt = 0,
): Promise<string[]> {
  const ids: string[] = [];
  for (let index = startAt; index < prepared.parts.length; index++) {
    let id: string | undefined;
    try {
      id = await post(prepared.path, prepared.accessToken, prepared.parts[index]!);
    } catch (error) {
      if (index === startAt || !(error instanceof Error)) throw error;
      throw new PartialSendError(index, ids, error);
    }
    if (id) ids.push(id);
    else onMissingId(index);
  }
  return ids;
}
