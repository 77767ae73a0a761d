import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for the Graph API's node lookups on 127.0.0.1 (real node:http), the reads a channel
 * is proven with before it is connected: `GET /{version}/{phone-number-id}` (WhatsApp Cloud: the
 * number, only to a token of the business that holds it) and `GET /{version}/me` (Instagram: the
 * account the token belongs to). Answers as Meta does: 401 code 190 for a token it does not know,
 * 400 code 100 subcode 33 for an object the token may not see. Kept apart from FakeGraphServer
 * (the send endpoints) so the two can change independently.
 */
export class FakeGraphAccounts {
  /** Every lookup: path and the bearer token it carried. */
  readonly lookups: Array<{ readonly path: string; readonly token: string | undefined }> = [];
  private readonly tokens = new Map<string, { whatsapp: Set<string>; instagram?: string }>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeGraphAccounts> {
    let fake: FakeGraphAccounts | undefined;
    const server = createServer((req, res) => fake!.handle(req.method ?? "GET", req.url ?? "/", req.headers.authorization, res));
    fake = new FakeGraphAccounts(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** `token` controls these WhatsApp Cloud phone number ids and/or this Instagram account. */
  grant(token: string, accounts: { whatsapp?: readonly string[]; instagram?: string }): void {
    const entry = this.tokens.get(token) ?? { whatsapp: new Set<string>() };
    for (const id of accounts.whatsapp ?? []) entry.whatsapp.add(id);
    if (accounts.instagram) entry.instagram = accounts.instagram;
    this.tokens.set(token, entry);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(method: string, url: string, authorization: string | undefined, res: ServerResponse): void {
    const { pathname } = new URL(url, "http://graph.local");
    const token = /^Bearer (.+)$/.exec(authorization ?? "")?.[1];
    this.lookups.push({ path: pathname, token });
    const [, , node] = pathname.split("/");
    const granted = token ? this.tokens.get(token) : undefined;
    if (method !== "GET" || !node) return send(res, 400, graphError(100, "Unsupported request"));
    if (!granted) return send(res, 401, graphError(190, "Invalid OAuth access token - Cannot parse access token"));
    if (node === "me") {
      if (!granted.instagram) return send(res, 400, graphError(100, "Unsupported get request."));
      return send(res, 200, { user_id: granted.instagram, username: "shop", id: `app-scoped-${granted.instagram}` });
    }
    if (!granted.whatsapp.has(node)) {
      return send(res, 400, {
        error: {
          ...graphError(
            100,
            `Unsupported get request. Object with ID '${node}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
          ).error,
          error_subcode: 33,
        },
      });
    }
    return send(res, 200, { id: node, display_phone_number: "+1 555 0100", verified_name: "Shop" });
  }
}

function graphError(code: number, message: string) {
  return { error: { message, type: code === 190 ? "OAuthException" : "GraphMethodException", code, fbtrace_id: "Atrace" } };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
