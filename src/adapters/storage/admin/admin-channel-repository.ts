import type { ChannelConnection, ChannelPatch, ChannelRecord, ChannelStore, NewChannel } from "../../../ports/admin/channel-store.js";
import { InputError } from "../../../domain/errors.js";
import type { SealedSecret } from "../../../domain/secrets/secret-box.js";
import type { Db } from "../create-db.js";
import { isUniqueViolation } from "../unique-violation.js";

// credentialsRef is read only to say whether credentials exist; the sealed bytes are never read here.
const select = {
  id: true,
  businessId: true,
  kind: true,
  platformAccountId: true,
  name: true,
  enabled: true,
  personaId: true,
  settings: true,
  credentialsRef: true,
  connection: true,
  chatColor: true,
  chatLogoUrl: true,
  chatSites: true,
  createdAt: true,
} as const;

type Row = Omit<ChannelRecord, "allowGroups" | "hasCredentials" | "connection" | "chatPage"> & {
  settings: unknown;
  credentialsRef: string | null;
  connection: unknown;
  chatColor: string | null;
  chatLogoUrl: string | null;
  chatSites: string[];
};

export class AdminChannelRepository implements ChannelStore {
  constructor(private readonly db: Db) {}

  async list(businessId: string): Promise<ChannelRecord[]> {
    const rows = await this.db.channel.findMany({ where: { businessId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], select });
    return rows.map(toChannel);
  }

  async get(businessId: string, channelId: string): Promise<ChannelRecord | null> {
    const row = await this.db.channel.findFirst({ where: { id: channelId, businessId }, select });
    return row ? toChannel(row) : null;
  }

  async create(channel: NewChannel, sealed: SealedSecret | null, maxPerBusiness = Number.POSITIVE_INFINITY): Promise<ChannelRecord> {
    try {
      const row = await this.db.$transaction(async (tx) => {
        if (Number.isFinite(maxPerBusiness)) {
          // The business row locked: two concurrent adds cannot both take the last place.
          await tx.$queryRaw`select id from "Business" where id = ${channel.businessId}::uuid for update`;
          const count = await tx.channel.count({ where: { businessId: channel.businessId } });
          if (count >= maxPerBusiness)
            throw new InputError(
              "CHANNEL_LIMIT",
              `this business already has ${count} channels, the most this server allows (CHANNELS_PER_BUSINESS_MAX)`,
              409,
            );
        }
        await tx.channel.create({
          data: {
            id: channel.id,
            businessId: channel.businessId,
            kind: channel.kind,
            platformAccountId: channel.platformAccountId,
            name: channel.name,
            personaId: channel.personaId,
            settings: channel.kind === "whatsapp_web" ? { allowGroups: channel.allowGroups } : {},
          },
        });
        if (sealed) {
          const secret = await tx.channelSecret.create({
            data: { channelId: channel.id, ciphertext: Buffer.from(sealed.ciphertext), iv: Buffer.from(sealed.iv), tag: Buffer.from(sealed.tag) },
            select: { id: true },
          });
          await tx.channel.update({ where: { id: channel.id }, data: { credentialsRef: secret.id } });
        }
        return tx.channel.findUniqueOrThrow({ where: { id: channel.id }, select });
      });
      return toChannel(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new InputError("CHANNEL_TAKEN", "body.platformAccountId: this platform account is already connected", 409);
      throw error;
    }
  }

  async update(businessId: string, channelId: string, patch: ChannelPatch): Promise<ChannelRecord | null> {
    const look = patch.chatPage;
    const data = {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      ...(patch.personaId !== undefined ? { personaId: patch.personaId } : {}),
      ...(look?.color !== undefined ? { chatColor: look.color } : {}),
      ...(look?.logoUrl !== undefined ? { chatLogoUrl: look.logoUrl } : {}),
      ...(look?.sites !== undefined ? { chatSites: [...look.sites] } : {}),
    };
    const updated = await this.db.channel.updateMany({ where: { id: channelId, businessId }, data });
    return updated.count === 0 ? null : this.get(businessId, channelId);
  }

  async delete(businessId: string, channelId: string): Promise<boolean> {
    const deleted = await this.db.channel.deleteMany({ where: { id: channelId, businessId } });
    return deleted.count > 0;
  }
}

function toChannel(row: Row): ChannelRecord {
  const { settings, credentialsRef, connection, chatColor, chatLogoUrl, chatSites, ...rest } = row;
  const allowGroups = typeof settings === "object" && settings !== null && (settings as { allowGroups?: unknown }).allowGroups === true;
  const chatPage = rest.kind === "webchat" ? { color: chatColor, logoUrl: chatLogoUrl, sites: chatSites } : null;
  return { ...rest, allowGroups, hasCredentials: credentialsRef !== null, connection: toConnection(connection), chatPage };
}

/** whatsapp-web.js session state as its worker stored it (see host-whatsapp-web). */
function toConnection(value: unknown): ChannelConnection | null {
  if (typeof value !== "object" || value === null) return null;
  const c = value as Record<string, unknown>;
  if (typeof c.state !== "string" || typeof c.at !== "string") return null;
  return {
    state: c.state,
    at: c.at,
    ...(typeof c.lastDisconnectReason === "string" ? { lastDisconnectReason: c.lastDisconnectReason } : {}),
    ...(c.state === "pairing" && typeof c.qrDataUrl === "string" ? { qrDataUrl: c.qrDataUrl } : {}),
  };
}
