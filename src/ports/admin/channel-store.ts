import type { ChannelKind } from "../../domain/inbound-message.js";
import type { SealedSecret } from "../../domain/secrets/secret-box.js";

export interface ChannelRecord {
  readonly id: string;
  readonly businessId: string;
  readonly kind: ChannelKind;
  readonly platformAccountId: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly personaId: string | null;
  readonly allowGroups: boolean;
  /** Whether sealed credentials are stored; the credentials themselves never leave storage here. */
  readonly hasCredentials: boolean;
  /** whatsapp-web.js: the session's state, and the QR code (PNG data URL) while it waits to be paired. */
  readonly connection: ChannelConnection | null;
  /** Web chat only (null for other kinds): how its page looks and which sites may embed it. */
  readonly chatPage: ChatPageLook | null;
  readonly createdAt: Date;
}

export interface ChatPageLook {
  /** #rrggbb */
  readonly color: string | null;
  /** An https URL. */
  readonly logoUrl: string | null;
  /** Origins (https://shop.example) whose pages may show the chat through the widget script. */
  readonly sites: readonly string[];
}

export interface ChannelPatch {
  readonly name?: string | undefined;
  readonly enabled?: boolean | undefined;
  readonly personaId?: string | null | undefined;
  readonly chatPage?:
    | { readonly color?: string | null | undefined; readonly logoUrl?: string | null | undefined; readonly sites?: readonly string[] | undefined }
    | undefined;
}

export interface ChannelConnection {
  readonly state: string;
  readonly at: string;
  readonly lastDisconnectReason?: string;
  readonly qrDataUrl?: string;
}

export interface NewChannel {
  readonly id: string;
  readonly businessId: string;
  readonly kind: ChannelKind;
  readonly platformAccountId: string;
  readonly name: string;
  readonly personaId: string | null;
  readonly allowGroups: boolean;
}

export interface ChannelStore {
  list(businessId: string): Promise<ChannelRecord[]>;
  get(businessId: string, channelId: string): Promise<ChannelRecord | null>;
  /**
   * The channel and its sealed credentials in one transaction. Throws a 409 InputError when the
   * account is taken (CHANNEL_TAKEN) or the business already has `maxPerBusiness` channels (CHANNEL_LIMIT).
   */
  create(channel: NewChannel, sealed: SealedSecret | null, maxPerBusiness?: number): Promise<ChannelRecord>;
  update(businessId: string, channelId: string, patch: ChannelPatch): Promise<ChannelRecord | null>;
  /** Deletes the channel with its contacts, conversations and messages. */
  delete(businessId: string, channelId: string): Promise<boolean>;
}
