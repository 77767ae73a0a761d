import { randomUUID } from "node:crypto";
import { InputError } from "../domain/errors.js";
import type { ChannelKind } from "../domain/inbound-message.js";
import { sealChannelCredentials, type MetaCredentials } from "../secrets/channel-credentials.js";
import type { ChannelRecord, ChannelStore, PersonaStore } from "./admin-store.js";

export interface AddChannelInput {
  readonly kind: ChannelKind;
  readonly platformAccountId: string;
  readonly name?: string | undefined;
  readonly personaId?: string | null | undefined;
  readonly allowGroups?: boolean | undefined;
  /** Meta channels only; sealed with the secrets key before it reaches storage. */
  readonly credentials?: MetaCredentials | undefined;
}

const DEFAULT_NAMES: Record<ChannelKind, string> = {
  webchat: "Web chat",
  whatsapp_cloud: "WhatsApp",
  whatsapp_web: "WhatsApp (web)",
  instagram: "Instagram",
};

/** Connects a channel to a business; Meta credentials are sealed (AES-256-GCM, bound to the channel id). */
export async function addChannel(
  stores: { channels: Pick<ChannelStore, "create">; personas: Pick<PersonaStore, "get"> },
  secretsKey: Buffer | undefined,
  businessId: string,
  input: AddChannelInput,
): Promise<ChannelRecord> {
  await assertPersonaInBusiness(stores.personas, businessId, input.personaId);
  const id = randomUUID();
  let sealed = null;
  if (input.credentials) {
    if (!secretsKey) {
      throw new InputError("SECRETS_KEY_NOT_CONFIGURED", "this server has no CHANNEL_SECRETS_KEY, so it cannot store channel credentials", 422);
    }
    sealed = sealChannelCredentials(input.credentials, secretsKey, id);
  }
  return stores.channels.create(
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
  );
}

/** A channel may only use a persona of its own business: anything else is "no such persona". */
export async function assertPersonaInBusiness(personas: Pick<PersonaStore, "get">, businessId: string, personaId: string | null | undefined): Promise<void> {
  if (!personaId) return;
  if (!(await personas.get(businessId, personaId))) throw new InputError("PERSONA_NOT_FOUND", "body.personaId: no such persona", 404);
}
