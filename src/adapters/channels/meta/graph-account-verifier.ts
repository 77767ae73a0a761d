import type { AccountCheck, ChannelAccountVerifier } from "../../../ports/channel-account-verifier.js";

export interface GraphAccountVerifierOptions {
  /** WhatsApp Cloud API host, e.g. https://graph.facebook.com. */
  readonly graphBaseUrl: string;
  /** Instagram API with Instagram Login host, e.g. https://graph.instagram.com. */
  readonly instagramGraphBaseUrl: string;
  readonly version: string;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/**
 * Proves a Meta channel before it is connected, with one Graph API read under the access token:
 * WhatsApp Cloud: `GET /{phone-number-id}` answers with that id only when the token's business
 * holds the number; Instagram: `GET /me` names the account the token belongs to, which must be the
 * account id given. Any 4xx, or another id, is "rejected"; 5xx, 429 or no answer is "unreachable".
 */
export class GraphAccountVerifier implements ChannelAccountVerifier {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: GraphAccountVerifierOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async verify(kind: "whatsapp_cloud" | "instagram", accountId: string, accessToken: string): Promise<AccountCheck> {
    const base = (kind === "instagram" ? this.options.instagramGraphBaseUrl : this.options.graphBaseUrl).replace(/\/+$/, "");
    const url =
      kind === "instagram"
        ? `${base}/${this.options.version}/me?fields=user_id,username`
        : `${base}/${this.options.version}/${encodeURIComponent(accountId)}?fields=id,display_phone_number`;
    let res: Response;
    try {
      res = await this.fetch(url, {
        headers: { authorization: `Bearer ${accessToken}` },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch {
      return { ok: false, reason: "unreachable" };
    }
    if (res.status === 429 || res.status >= 500) return { ok: false, reason: "unreachable" };
    const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (!res.ok || !body) return { ok: false, reason: "rejected" };
    const ids = kind === "instagram" ? [body.user_id, body.id] : [body.id];
    return ids.some((id) => (typeof id === "string" || typeof id === "number") && String(id) === accountId)
      ? { ok: true }
      : { ok: false, reason: "rejected" };
  }
}
