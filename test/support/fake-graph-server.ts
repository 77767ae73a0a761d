import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  /** The message id this server answered with (successful sends only). */
  responseId?: string;
}

/** What the next request(s) get instead of success: an HTTP error, or a dropped connection. */
export type ScriptedFailure = { readonly status: number; readonly retryAfter?: string; readonly body?: unknown } | { readonly drop: true };

/**
 * A stand-in for graph.facebook.com on 127.0.0.1 (real node:http): records every request and
 * answers the WhatsApp Cloud API and Instagram Send API message endpoints with realistic ids.
 */
export class FakeGraphServer {
  readonly requests: RecordedRequest[] = [];
  private readonly script: ScriptedFailure[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeGraphServer> {
    let fake: FakeGraphServer | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => fake!.handle(req.method ?? "GET", req.url ?? "/", req.headers, Buffer.concat(chunks), res));
    });
    fake = new FakeGraphServer(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next `times` requests fail this way; later ones succeed again. */
  failNext(times: number, failure: ScriptedFailure): this {
    for (let i = 0; i < times; i++) this.script.push(failure);
    return this;
  }

  /** Text bodies of the messages sent (WhatsApp text.body or Instagram message.text), in order. */
  sentTexts(): string[] {
    return this.requests.flatMap((r) => {
      const b = r.body as { text?: { body?: string }; message?: { text?: string } } | undefined;
      const text = b?.text?.body ?? b?.message?.text;
      return typeof text === "string" ? [text] : [];
    });
  }

  reset(): void {
    this.requests.length = 0;
    this.script.length = 0;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(method: string, url: string, headers: IncomingHttpHeaders, raw: Buffer, res: ServerResponse): void {
    let body: unknown;
    try {
      body = raw.length ? JSON.parse(raw.toString("utf8")) : undefined;
    } catch {
      body = undefined;
    }
    const record: RecordedRequest = { method, path: url, headers, body };
    this.requests.push(record);
    const failure = this.script.shift();
    if (failure && "drop" in failure) {
      res.socket?.destroy();
      return;
    }
    if (failure) {
      const extra: Record<string, string> = failure.retryAfter !== undefined ? { "retry-after": failure.retryAfter } : {};
      return json(res, failure.status, failure.body ?? { error: { message: "(#1) An unknown error occurred", type: "OAuthException", code: 1, fbtrace_id: "AbCdEfGh123" } }, extra);
    }
    if (!String(headers.authorization ?? "").startsWith("Bearer ")) {
      return json(res, 401, { error: { message: "Invalid OAuth access token - Cannot parse access token", type: "OAuthException", code: 190, fbtrace_id: "AbCdEfGh124" } });
    }
    if (method !== "POST" || !/^\/v\d+\.\d+\/[^/]+\/messages$/.test(url)) {
      return json(res, 400, { error: { message: "Unknown path components", type: "OAuthException", code: 2500, fbtrace_id: "AbCdEfGh125" } });
    }
    const b = (body ?? {}) as { messaging_product?: string; status?: string; to?: string; recipient?: { id?: string } };
    if (b.messaging_product === "whatsapp") {
      if (b.status === "read") return json(res, 200, { success: true });
      record.responseId = wamid(b.to ?? "0");
      return json(res, 200, { messaging_product: "whatsapp", contacts: [{ input: b.to, wa_id: b.to }], messages: [{ id: record.responseId }] });
    }
    record.responseId = `m_${randomBytes(24).toString("base64url")}`;
    return json(res, 200, { recipient_id: b.recipient?.id, message_id: record.responseId });
  }
}

function wamid(to: string): string {
  const inner = Buffer.concat([Buffer.from(to), Buffer.from([0x15, 0x02, 0x00, 0x11, 0x18, 0x12]), Buffer.from(randomBytes(9).toString("hex").toUpperCase())]);
  return `wamid.HBgL${inner.toString("base64")}`;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}
