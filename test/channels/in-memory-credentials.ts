import { FatalError } from "../../src/domain/errors.js";
import type { ChannelCredentials, ChannelCredentialsRef, MetaCredentials } from "../../src/domain/secrets/channel-credentials.js";

/** Test resolver: credentials by credentialsRef from a map (production decrypts, see EncryptedChannelCredentials). */
export class InMemoryCredentials implements ChannelCredentials {
  constructor(private readonly byRef: ReadonlyMap<string, MetaCredentials>) {}

  async getCredentials(channel: ChannelCredentialsRef): Promise<MetaCredentials> {
    const found = channel.credentialsRef ? this.byRef.get(channel.credentialsRef) : undefined;
    if (!found) throw new FatalError("CREDENTIALS_MISSING", `channel ${channel.id} has no credentials`);
    return found;
  }
}

export const TEST_CREDENTIALS: MetaCredentials = { accessToken: "EAAG-test-access-token", appSecret: "app-secret", verifyToken: "verify-token" };
export const testCredentials = () => new InMemoryCredentials(new Map([["cred-1", TEST_CREDENTIALS]]));
