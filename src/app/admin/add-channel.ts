import { randomUUID } from "node:crypto";
import { InputError, UnavailableError } from "../../domain/errors.js";
import type { ChannelKind } from "../../domain/inbound-message.js";
import type { ChannelAccountVerifier } from "../../ports/channel-account-verifier.js";
import { sealChannelCredentials, type MetaCredentials } from "../../domain/secrets/channel-credentials.js";
import type { ChannelRecord, ChannelStore } from "../../ports/admin/channel-store.js";
import type { PersonaStore } from "../../ports/admin/persona-store.js";

export interface AddChannelInput {
  readonly kind: ChannelKind;
  readonly platformAccountId: string;
  readonly name?: string | undefined;
  readonly personaId?: string | null | undefined;
  readonly allowGroups?: boolean | undefined;
  /** Meta channels only; sealed with the secrets key before it reaches storage. */
  readonly credentials?: MetaCredentials | undefined;
}

/** What a new channel must pass besides its input: the platform's confirmation (Meta kinds) and the per-business cap. */
export interface ChannelAdmission {
  readonly verifier: ChannelAccountVerifier;
  readonly maxPerBusiness: number;
}

export const DEFAULT_NAMES: Record<ChannelKind, string> = {
  webchat: "Web chat",
  whatsapp_cloud: "WhatsApp",
  whatsapp_web: "WhatsApp (web)",
  instagram: "Instagram",
};

/**
 * One answer for "the platform did not confirm this token controls the account" and "the account
 * is connected already": telling them apart would confirm to anyone that a number is a customer.
 */
export function channelNotVerified(): InputError {
  return new InputError(
    "CHANNEL_NOT_VERIFIED",
    "body.platformAccountId: this account cannot be connected with this access token (the platform must confirm the token controls it, and it must not be connected already)",
    422,
  );
}

/**
 * Connects a channel to a business. A WhatsApp Cloud number or Instagram account is proven first:
 * the Graph API must confirm that the access token controls that id. Meta credentials are sealed
 * (AES-256-GCM, bound to the channel id). A business has at most `maxPerBusiness` channels.
 */
export async function addChannel(
  stores: { channels: Pick<ChannelStore, "create">; personas: Pick<PersonaStore, "get"> },
  secretsKey: Buffer | undefined,
  businessId: string,
  input: AddChannelInput,
  admission: ChannelAdmission,
): Promise<ChannelRecord> {
  await assertPersonaInBusiness(stores.personas, businessId, input.personaId);
  const proven = input.kind === "whatsapp_cloud" || input.kind === "instagram";
  if (proven && !input.credentials) throw new InputError("INVALID_REQUEST", "body.credentials: an access token is required for this kind of channel");
  if (input.credentials && !secretsKey) {
    throw new InputError("SECRETS_KEY_NOT_CONFIGURED", "this server has no CHANNEL_SECRETS_KEY, so it cannot store channel credentials", 422);
  }
  if (proven) {
    const check = await admission.verifier.verify(
      input.kind as "whatsapp_cloud" | "instagram",
      input.platformAccountId,
      input.credentials!.accessToken,
    );
    if (!check.ok && check.reason === "unreachable")
      throw new UnavailableError("PLATFORM_UNAVAILABLE", "the Graph API could not be reached to confirm the account; try again");
    if (!check.ok) throw channelNotVerified();
  }
  const id = randomUUID();
  const sealed = input.credentials ? sealChannelCredentials(input.credentials, secretsKey!, id) : null;
  try {
    return await stores.channels.create(
      {
        id,
        businessId,
        kind: input.kind,
        platformAccountId: input.platformAccountId,
        name: input.name ?? DEFAULT_NAMES[input.kind],
        personaId: input.personaId ?? null,
        allowGroups: input.allowGroups ?? false,
      },
      sealed,
      admission.maxPerBusiness,
    );
  } catch (error) {
    if (proven && error instanceof InputError && error.code === "CHANNEL_TAKEN") throw channelNotVerified();
    throw error;
  }
}

/** A channel may only use a persona of its own business: anything else is "no such persona". */
export async function assertPersonaInBusiness(
  personas: Pick<PersonaStore, "get">,
  businessId: string,
  personaId: string | null | undefined,
): Promise<void> {
  if (!personaId) return;
  if (!(await personas.get(businessId, personaId))) throw new InputError("PERSONA_NOT_FOUND", "body.personaId: no such persona", 404);
}
