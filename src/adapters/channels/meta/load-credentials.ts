import { AppError, FatalError } from "../../../domain/errors.js";
import { PlatformRejectedError, PlatformTransportError, type OutboundDelivery } from "../../../ports/channel-adapter.js";
import type { ChannelCredentials, MetaCredentials } from "../../../domain/secrets/channel-credentials.js";

/**
 * The channel's credentials, with failures sorted for the outbox: missing or unreadable secrets
 * never fix themselves (rejected, not retried); anything else (e.g. the database) is transient.
 */
export async function loadCredentials(credentials: ChannelCredentials, channel: OutboundDelivery["channel"]): Promise<MetaCredentials> {
  try {
    return await credentials.getCredentials(channel);
  } catch (error) {
    if (error instanceof FatalError) throw new PlatformRejectedError(`credentials unavailable: ${error.message}`, { cause: error });
    const detail = error instanceof AppError ? error.code : "error";
    throw new PlatformTransportError(`credentials could not be loaded (${detail})`, { cause: error });
  }
}
