/** Whether an access token controls a platform account. */
export type AccountCheck =
  | { readonly ok: true }
  /** rejected: the platform refused the token or does not show this account to it. */
  | { readonly ok: false; readonly reason: "rejected" | "unreachable" };

/**
 * Asks the platform, before a channel is connected, whether `accessToken` controls `accountId`
 * (a WhatsApp Cloud phone number id, an Instagram account id): a business can only take a
 * number or account it can prove it holds.
 */
export interface ChannelAccountVerifier {
  verify(kind: "whatsapp_cloud" | "instagram", accountId: string, accessToken: string): Promise<AccountCheck>;
}
