import { z } from "zod";
import { FatalError } from "../errors.js";
import { openSecret, sealSecret, type SealedSecret } from "./secret-box.js";

/** A Meta channel's secrets (WhatsApp Cloud API or Instagram). */
export interface MetaCredentials {
  readonly accessToken: string;
  readonly appSecret: string;
  readonly verifyToken: string;
}

export interface ChannelCredentialsRef {
  readonly id: string;
  readonly credentialsRef: string | null;
}

/** What adapters use to get a channel's secrets; the secrets never sit in plain text at rest. */
export interface ChannelCredentials {
  getCredentials(channel: ChannelCredentialsRef): Promise<MetaCredentials>;
}

/** Loads the sealed blob a Channel.credentialsRef points at (e.g. a ChannelSecret row); null if none. */
export type SealedSecretLoader = (credentialsRef: string) => Promise<SealedSecret | null>;

const credentialsSchema = z.object({
  accessToken: z.string().min(1),
  appSecret: z.string().default(""),
  verifyToken: z.string().default(""),
});

/** Production resolver: loads the sealed JSON blob and decrypts it with the configured key. */
export class EncryptedChannelCredentials implements ChannelCredentials {
  constructor(
    private readonly load: SealedSecretLoader,
    private readonly key: Buffer,
  ) {}

  async getCredentials(channel: ChannelCredentialsRef): Promise<MetaCredentials> {
    if (!channel.credentialsRef) throw new FatalError("CREDENTIALS_MISSING", `channel ${channel.id} has no credentials configured`);
    const sealed = await this.load(channel.credentialsRef);
    if (!sealed) throw new FatalError("CREDENTIALS_MISSING", `channel ${channel.id}: its credentials reference points at nothing`);
    const parsed = credentialsSchema.safeParse(safeJson(openSecret(sealed, this.key, channel.id)));
    if (!parsed.success) throw new FatalError("CREDENTIALS_INVALID", `channel ${channel.id}: stored credentials lack an access token`);
    return parsed.data;
  }
}

/** Seals credentials for storage, bound to the channel id (used by the admin API / CLI that stores them). */
export function sealChannelCredentials(credentials: MetaCredentials, key: Buffer, channelId: string): SealedSecret {
  return sealSecret(JSON.stringify(credentials), key, channelId);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
