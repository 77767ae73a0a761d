import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  /** When it arrived (Date.now()). */
  readonly at: number;
  /** The message id this server answered with (successful sends only). */
  responseId?: string;
  /** The platform acted on it: a message the customer's phone received, a read receipt applied. */
  processed: boolean;
  /** The fault this request met, if any. */
  fault?: Fault;
}

/**
 * What a request gets instead of a plain success.
 * - `status`: an HTTP error (429 with `retryAfter`, 500/503, a Graph error `body`). `processed`:
 *   the platform acted before failing (a 5xx after the message went out); default false.
 * - `drop`: the connection is destroyed after the request was read; `processed` default false.
 * - `delayMs`: the answer comes this late (set it beyond the client's timeout); `processed`
 *   default true (the message went out; the answer did not come back in time). With
 *   `processed: false` the connection is dropped after the delay instead.
 * - `repeatId`: success, but answering with this message id (a platform that repeats ids).
 */
export type Fault =
  | { readonly status: number; readonly retryAfter?: string; readonly body?: unknown; readonly processed?: boolean }
  | { readonly drop: true; readonly processed?: boolean }
  | { readonly delayMs: number; readonly processed?: boolean }
  | { readonly repeatId: string };

/** Kept for existing callers: what the next request(s) get instead of success. */
export type ScriptedFailure = Fault;

/** Which requests a fault applies to: every request, text sends, mark-as-read calls, or a predicate. */
export type FaultTarget = "any" | "send" | "read" | ((request: RecordedRequest) => boolean);

/** Faults drawn at random per request (a chaos run): each matching request meets one with probability `rate`. */
export interface FaultPlan {
  readonly rate: number;
  readonly faults: readonly Fault[];
  readonly target?: FaultTarget;
  /** 0..1; pass a seeded generator for a reproducible run. */
  readonly random?: () => number;
}

/**
 * A stand-in for graph.facebook.com on 127.0.0.1 (real node:http): records every request and
 * answers the WhatsApp Cloud API and Instagram Send API message endpoints with realistic ids.
 * Faults (scripted per request, drawn at random, or refused connections) model what a real
 * platform does, and `processed` says what the customer's phone actually got.
 */
export class FakeGraphServer {
  readonly requests: RecordedRequest[] = [];
  /** Called after the platform acted on a request and before it answers (a test's "right after the send"). */
  beforeAnswer: ((request: RecordedRequest) => Promise<void> | void) | undefined;
  private readonly script: Array<{ readonly fault: Fault; readonly target: FaultTarget }> = [];
  private plan: FaultPlan | null = null;
  private repeatedId: string | null = null;
  private port = 0;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeGraphServer> {
    let fake: FakeGraphServer | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => void fake!.handle(req.method ?? "GET", req.url ?? "/", req.headers, Buffer.concat(chunks), res));
    });
    fake = new FakeGraphServer(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    fake.port = (server.address() as AddressInfo).port;
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The next `times` requests (of `target`, default any) meet this fault; later ones succeed again. */
  failNext(times: number, failure: Fault, target: FaultTarget = "any"): this {
    for (let i = 0; i < times; i++) this.script.push({ fault: failure, target });
    return this;
  }

  /** Random faults per request until cleared with null (scripted ones from failNext go first). */
  setFaultPlan(plan: FaultPlan | null): this {
    this.plan = plan;
    return this;
  }

  /** Every successful send answers with this id until null: a platform that repeats message ids. */
  repeatIds(id: string | null): this {
    this.repeatedId = id;
    return this;
  }

  /** Stops listening and closes open connections: clients get ECONNREFUSED until acceptConnections(). */
  async refuseConnections(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
    // Let clients in this process see their pooled keep-alive sockets close first; otherwise
    // their next request may go out on one (a dropped connection, not a refused one).
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  /** Listens again on the same port. */
  async acceptConnections(): Promise<void> {
    if (this.server.listening) return;
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.port, "127.0.0.1", () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }

  /** Text bodies of the messages sent (WhatsApp text.body or Instagram message.text), in order, whether or not the platform took them. */
  sentTexts(): string[] {
    return this.requests.flatMap((r) => {
      const text = textOf(r);
      return text === undefined ? [] : [text];
    });
  }

  /** Message sends the platform took: what the customers' phones received, in order. */
  received(): RecordedRequest[] {
    return this.requests.filter((r) => r.processed && textOf(r) !== undefined);
  }

  /** Mark-as-read calls the platform applied. */
  readReceipts(): RecordedRequest[] {
    return this.requests.filter((r) => r.processed && isRead(r));
  }

  reset(): void {
    this.requests.length = 0;
    this.script.length = 0;
    this.plan = null;
    this.repeatedId = null;
    this.beforeAnswer = undefined;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private nextFault(record: RecordedRequest): Fault | undefined {
    const index = this.script.findIndex((s) => matches(s.target, record));
    if (index >= 0) return this.script.splice(index, 1)[0]!.fault;
    const plan = this.plan;
    if (!plan || plan.faults.length === 0 || !matches(plan.target ?? "any", record)) return undefined;
    const random = plan.random ?? Math.random;
    if (random() >= plan.rate) return undefined;
    return plan.faults[Math.floor(random() * plan.faults.length)];
  }

  private async handle(method: string, url: string, headers: IncomingHttpHeaders, raw: Buffer, res: ServerResponse): Promise<void> {
    let body: unknown;
    try {
      body = raw.length ? JSON.parse(raw.toString("utf8")) : undefined;
    } catch {
      body = undefined;
    }
    const record: RecordedRequest = { method, path: url, headers, body, at: Date.now(), processed: false };
    this.requests.push(record);
    const fault = this.nextFault(record);
    if (fault) record.fault = fault;

    if (fault && "status" in fault) {
      if (fault.processed) this.process(record);
      await this.beforeAnswer?.(record);
      const extra: Record<string, string> = fault.retryAfter !== undefined ? { "retry-after": fault.retryAfter } : {};
      return json(
        res,
        fault.status,
        fault.body ?? { error: { message: "(#1) An unknown error occurred", type: "OAuthException", code: 1, fbtrace_id: "AbCdEfGh123" } },
        extra,
      );
    }
    if (fault && "drop" in fault) {
      if (fault.processed) this.process(record);
      await this.beforeAnswer?.(record);
      res.socket?.destroy();
      return;
    }
    const answer = this.process(record, fault && "repeatId" in fault ? fault.repeatId : undefined);
    await this.beforeAnswer?.(record);
    if (fault && "delayMs" in fault) {
      if (fault.processed === false) record.processed = false;
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault.processed === false || res.destroyed) {
        res.socket?.destroy();
        return;
      }
    }
    return json(res, answer.status, answer.body);
  }

  /** What the platform does with a request that meets no fault: validates it and, if valid, acts on it. */
  private process(record: RecordedRequest, forcedId?: string): { status: number; body: unknown } {
    if (!String(record.headers.authorization ?? "").startsWith("Bearer ")) {
      return {
        status: 401,
        body: {
          error: { message: "Invalid OAuth access token - Cannot parse access token", type: "OAuthException", code: 190, fbtrace_id: "AbCdEfGh124" },
        },
      };
    }
    if (record.method !== "POST" || !/^\/v\d+\.\d+\/[^/]+\/messages$/.test(record.path)) {
      return { status: 400, body: { error: { message: "Unknown path components", type: "OAuthException", code: 2500, fbtrace_id: "AbCdEfGh125" } } };
    }
    record.processed = true;
    const b = (record.body ?? {}) as { messaging_product?: string; status?: string; to?: string; recipient?: { id?: string } };
    if (b.messaging_product === "whatsapp") {
      if (b.status === "read") return { status: 200, body: { success: true } };
      record.responseId = forcedId ?? this.repeatedId ?? wamid(b.to ?? "0");
      return {
        status: 200,
        body: { messaging_product: "whatsapp", contacts: [{ input: b.to, wa_id: b.to }], messages: [{ id: record.responseId }] },
      };
    }
    record.responseId = forcedId ?? this.repeatedId ?? `m_${randomBytes(24).toString("base64url")}`;
    return { status: 200, body: { recipient_id: b.recipient?.id, message_id: record.responseId } };
  }
}

function textOf(r: RecordedRequest): string | undefined {
  const b = r.body as { text?: { body?: string }; message?: { text?: string } } | undefined;
  const text = b?.text?.body ?? b?.message?.text;
  return typeof text === "string" ? text : undefined;
}

function isRead(r: RecordedRequest): boolean {
  const b = r.body as { status?: string } | undefined;
  return b?.status === "read";
}

function matches(target: FaultTarget, r: RecordedRequest): boolean {
  if (target === "any") return true;
  if (target === "send") return textOf(r) !== undefined;
  if (target === "read") return isRead(r);
  return target(r);
}

function wamid(to: string): string {
  const inner = Buffer.concat([
    Buffer.from(to),
    Buffer.from([0x15, 0x02, 0x00, 0x11, 0x18, 0x12]),
    Buffer.from(randomBytes(9).toString("hex").toUpperCase()),
  ]);
  return `wamid.HBgL${inner.toString("base64")}`;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}
