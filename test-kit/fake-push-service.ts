import { execFileSync } from "node:child_process";
import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, Agent, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const ece = require("http_ece") as { decrypt(buffer: Buffer, params: { version: string; privateKey: ECDH; authSecret: string }): Buffer };

export interface ReceivedPush {
  readonly subscriptionId: string;
  /** The payload as the browser decrypts it (RFC 8291, aes128gcm). */
  readonly payload: string;
  readonly ttl: string | undefined;
  readonly urgency: string | undefined;
  /** The VAPID public key the push was signed with (its JWT verified). */
  readonly vapidKey: string;
}

/**
 * A Web Push service on loopback HTTPS (a self-signed certificate made with openssl): what FCM or
 * Mozilla's autopush are to a browser. It hands out subscriptions as a browser would (its own P-256
 * key pair and auth secret per subscription), checks each push's VAPID signature, and decrypts the
 * payload with the subscription's private key, as the browser would.
 */
export class FakePushService {
  readonly received: ReceivedPush[] = [];
  private readonly subscriptions = new Map<string, { ecdh: ECDH; auth: string; gone: boolean }>();
  private listeners: Array<(push: ReceivedPush) => void> = [];

  private constructor(
    private readonly server: Server,
    readonly agent: Agent,
    readonly origin: string,
  ) {}

  static async start(): Promise<FakePushService> {
    const dir = mkdtempSync(join(tmpdir(), "fake-push-"));
    try {
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:prime256v1",
          "-nodes",
          "-keyout",
          join(dir, "key.pem"),
          "-out",
          join(dir, "cert.pem"),
          "-days",
          "1",
          "-subj",
          "/CN=127.0.0.1",
          "-addext",
          "subjectAltName=IP:127.0.0.1",
        ],
        { stdio: "ignore" },
      );
      const key = readFileSync(join(dir, "key.pem"));
      const cert = readFileSync(join(dir, "cert.pem"));
      let service: FakePushService | undefined;
      const server = createServer({ key, cert }, (req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          const status = service!.receive(req.url ?? "", req.headers, Buffer.concat(chunks));
          res.writeHead(status).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      service = new FakePushService(server, new Agent({ ca: cert }), `https://127.0.0.1:${(server.address() as AddressInfo).port}`);
      return service;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** A subscription as PushSubscription.toJSON() gives it. */
  newSubscription(): { id: string; endpoint: string; keys: { p256dh: string; auth: string } } {
    const id = randomBytes(8).toString("hex");
    const ecdh = createECDH("prime256v1");
    ecdh.generateKeys();
    const auth = randomBytes(16).toString("base64url");
    this.subscriptions.set(id, { ecdh, auth, gone: false });
    return { id, endpoint: `${this.origin}/push/${id}`, keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth } };
  }

  /** The browser unsubscribed: pushes to it get 410 Gone. */
  expire(id: string): void {
    this.subscriptions.get(id)!.gone = true;
  }

  onPush(listener: (push: ReceivedPush) => void): void {
    this.listeners.push(listener);
  }

  close(): Promise<void> {
    this.agent.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private receive(url: string, headers: Record<string, string | string[] | undefined>, body: Buffer): number {
    const id = /^\/push\/([0-9a-f]+)$/.exec(url)?.[1];
    const subscription = id ? this.subscriptions.get(id) : undefined;
    if (!id || !subscription) return 404;
    if (subscription.gone) return 410;
    const vapidKey = this.checkVapid(String(headers.authorization ?? ""));
    if (!vapidKey || headers["content-encoding"] !== "aes128gcm") return 401;
    const payload = ece.decrypt(body, { version: "aes128gcm", privateKey: subscription.ecdh, authSecret: subscription.auth }).toString("utf8");
    const push = { subscriptionId: id, payload, ttl: headers.ttl as string | undefined, urgency: headers.urgency as string | undefined, vapidKey };
    this.received.push(push);
    for (const listener of this.listeners) listener(push);
    return 201;
  }

  /** "vapid t=<JWT>, k=<public key>": the JWT must be ES256-signed by k, for this service's origin, not expired. */
  private checkVapid(header: string): string | null {
    const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(header);
    if (!match) return null;
    const [head, claims, signature] = match[1]!.split(".") as [string, string, string];
    const raw = Buffer.from(match[2]!, "base64url");
    const key = createPublicKey({
      key: { kty: "EC", crv: "P-256", x: raw.subarray(1, 33).toString("base64url"), y: raw.subarray(33, 65).toString("base64url") },
      format: "jwk",
    });
    const ok = verify("sha256", Buffer.from(`${head}.${claims}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(signature, "base64url"));
    const body = JSON.parse(Buffer.from(claims, "base64url").toString("utf8")) as { aud?: string; exp?: number; sub?: string };
    return ok && body.aud === this.origin && (body.exp ?? 0) * 1000 > Date.now() && typeof body.sub === "string" ? match[2]! : null;
  }
}
