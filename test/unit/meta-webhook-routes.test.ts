import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import type { InboundMessage } from "../../src/domain/inbound-message.js";
import { UnavailableError } from "../../src/domain/errors.js";
import type { ChannelRef } from "../../src/ports/inbound-store.js";
import { buildMetaTestApp, INSTAGRAM_APP, signedPost, WHATSAPP_APP } from "../channels/meta-test-app.js";

const fixture = (name: string) => readFileSync(`test/fixtures/meta/${name}.json`, "utf8");
const channel = (kind: ChannelRef["kind"], platformAccountId: string): ChannelRef => ({
  id: `ch-${platformAccountId}`,
  businessId: "b1",
  kind,
  platformAccountId,
  enabled: true,
});
const KNOWN = new Set(["106540352242922", "17841405822304914"]);

function setup(accept: (m: InboundMessage) => Promise<unknown> = async () => ({})) {
  const accepted: InboundMessage[] = [];
  const onStatus = vi.fn(async () => undefined);
  const app = buildMetaTestApp({
    accept: async (m) => {
      accepted.push(m);
      return accept(m);
    },
    channels: { findChannel: async (kind, id) => (KNOWN.has(id) ? channel(kind, id) : null) },
    onStatus,
  });
  return { app, accepted, onStatus };
}

describe("Meta webhook handshake", () => {
  it("answers the challenge as text when the verify token matches", async () => {
    const { app } = setup();
    const res = await app.inject({
      url: "/webhooks/whatsapp",
      query: { "hub.mode": "subscribe", "hub.verify_token": WHATSAPP_APP.verifyToken, "hub.challenge": "1158201444" },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    expect(res.body).toBe("1158201444");
  });

  it("refuses a wrong token, another app's token, or a wrong mode with 403", async () => {
    const { app } = setup();
    const queries: Array<Record<string, string>> = [
      { "hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1" },
      { "hub.mode": "subscribe", "hub.verify_token": INSTAGRAM_APP.verifyToken, "hub.challenge": "1" },
      { "hub.mode": "unsubscribe", "hub.verify_token": WHATSAPP_APP.verifyToken, "hub.challenge": "1" },
      {},
    ];
    for (const query of queries) {
      expect((await app.inject({ url: "/webhooks/whatsapp", query })).statusCode).toBe(403);
    }
    const ig = await app.inject({
      url: "/webhooks/instagram",
      query: { "hub.mode": "subscribe", "hub.verify_token": INSTAGRAM_APP.verifyToken, "hub.challenge": "x1" },
    });
    expect(ig.body).toBe("x1");
  });
});

describe("Meta webhook deliveries", () => {
  it("stores a signed WhatsApp text message and answers 200", async () => {
    const { app, accepted } = setup();
    const res = await app.inject(signedPost("/webhooks/whatsapp", fixture("whatsapp-text")));
    expect(res.statusCode).toBe(200);
    expect(accepted.map((m) => [m.channelKind, m.platformAccountId, m.text])).toEqual([
      ["whatsapp_cloud", "106540352242922", "Does it come in another color?"],
    ]);
  });

  it("answers 401 and stores nothing when the signature is missing, wrong or from the other app", async () => {
    const { app, accepted } = setup();
    const body = fixture("whatsapp-text");
    const unsigned = await app.inject({ method: "POST", url: "/webhooks/whatsapp", headers: { "content-type": "application/json" }, payload: body });
    const wrong = await app.inject(signedPost("/webhooks/whatsapp", body, "not-the-secret"));
    const otherApp = await app.inject(signedPost("/webhooks/whatsapp", body, INSTAGRAM_APP.appSecret));
    const tampered = signedPost("/webhooks/whatsapp", body);
    const res4 = await app.inject({ ...tampered, payload: body.replace("another color", "another colour") });
    expect([unsigned, wrong, otherApp, res4].map((r) => r.statusCode)).toEqual([401, 401, 401, 401]);
    expect(accepted).toEqual([]);
  });

  it("checks the raw bytes: re-serialised JSON does not verify", async () => {
    const { app, accepted } = setup();
    const pretty = fixture("whatsapp-text");
    const compact = JSON.stringify(JSON.parse(pretty));
    const res = await app.inject({ ...signedPost("/webhooks/whatsapp", compact), payload: pretty });
    expect(res.statusCode).toBe(401);
    expect(accepted).toEqual([]);
  });

  it("answers 400 for invalid JSON with a valid signature, 413 over the limit, 415 for other content types", async () => {
    const { app, accepted } = setup();
    expect((await app.inject(signedPost("/webhooks/whatsapp", '{"object":"whatsapp_business_account","entry":['))).statusCode).toBe(400);
    const huge = JSON.stringify({ object: "whatsapp_business_account", pad: "x".repeat(3 * 1024 * 1024) });
    expect((await app.inject(signedPost("/webhooks/whatsapp", huge))).statusCode).toBe(413);
    const text = signedPost("/webhooks/whatsapp", fixture("whatsapp-text"));
    expect((await app.inject({ ...text, headers: { ...text.headers, "content-type": "text/plain" } })).statusCode).toBe(415);
    expect(accepted).toEqual([]);
  });

  it("accepts application/json with parameters or in other letter case", async () => {
    const { app, accepted } = setup();
    for (const type of ["application/json; charset=utf-8", "Application/JSON"]) {
      const req = signedPost("/webhooks/whatsapp", fixture("whatsapp-text"));
      expect((await app.inject({ ...req, headers: { ...req.headers, "content-type": type } })).statusCode).toBe(200);
    }
    expect(accepted).toHaveLength(2);
  });

  it("answers 200 but stores nothing for an unknown business account", async () => {
    const { app, accepted } = setup();
    const res = await app.inject(signedPost("/webhooks/whatsapp", fixture("whatsapp-text").replace("106540352242922", "999999999999999")));
    expect(res.statusCode).toBe(200);
    expect(accepted).toEqual([]);
  });

  it("passes WhatsApp statuses to onStatus and stores no message for them", async () => {
    const { app, accepted, onStatus } = setup();
    const res = await app.inject(signedPost("/webhooks/whatsapp", fixture("whatsapp-statuses")));
    expect(res.statusCode).toBe(200);
    expect(accepted).toEqual([]);
    expect(onStatus).toHaveBeenCalledOnce();
    const updates = (onStatus.mock.calls[0] as unknown as [Array<{ status: string }>])[0];
    expect(updates.map((u) => u.status)).toEqual(["sent", "delivered", "read", "failed"]);
  });

  it("answers 503 (Meta redelivers) when storage is unavailable", async () => {
    const { app } = setup(async () => {
      throw new UnavailableError("DATABASE_UNAVAILABLE", "down");
    });
    const res = await app.inject(signedPost("/webhooks/whatsapp", fixture("whatsapp-text")));
    expect(res.statusCode).toBe(503);
  });

  it("answers 500 (Meta redelivers) when one message could not be stored, after storing the others", async () => {
    const payload = JSON.parse(fixture("whatsapp-text"));
    const first = payload.entry[0].changes[0].value.messages[0];
    payload.entry[0].changes[0].value.messages = [
      { ...first, id: "wamid.breaks" },
      { ...first, id: "wamid.fine" },
    ];
    const { app, accepted } = setup(async (m) => {
      if (m.platformMessageId === "wamid.breaks") throw new Error("a bug in storage");
      return {};
    });
    const res = await app.inject(signedPost("/webhooks/whatsapp", JSON.stringify(payload)));
    expect(res.statusCode).toBe(500);
    expect(res.json().error.code).toBe("STORE_FAILED");
    expect(accepted.map((m) => m.platformMessageId)).toEqual(["wamid.breaks", "wamid.fine"]);
  });

  it("stores the others and answers 200 with the count of messages without an id or sender, which no redelivery could store", async () => {
    const payload = JSON.parse(fixture("whatsapp-text"));
    const first = payload.entry[0].changes[0].value.messages[0];
    payload.entry[0].changes[0].value.messages = [{ ...first, id: undefined }, first];
    const { app, accepted } = setup();
    const res = await app.inject(signedPost("/webhooks/whatsapp", JSON.stringify(payload)));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: 1, unusable: 1 });
    expect(accepted.map((m) => m.platformMessageId)).toEqual([first.id]);
    payload.entry[0].changes[0].value.messages = [{ ...first, type: "reaction", reaction: { emoji: "👍" } }];
    expect((await app.inject(signedPost("/webhooks/whatsapp", JSON.stringify(payload)))).statusCode).toBe(200);
  });

  it("stores a message with a millisecond or nonsense timestamp and answers 200", async () => {
    const { app, accepted } = setup();
    for (const [id, timestamp] of [
      ["wamid.ms", "1749416383519"],
      ["wamid.one", "1"],
    ] as const) {
      const payload = JSON.parse(fixture("whatsapp-text"));
      Object.assign(payload.entry[0].changes[0].value.messages[0], { id, timestamp });
      expect((await app.inject(signedPost("/webhooks/whatsapp", JSON.stringify(payload)))).statusCode).toBe(200);
    }
    expect(accepted.map((m) => m.platformMessageId)).toEqual(["wamid.ms", "wamid.one"]);
    expect(accepted[0]!.sentAt).toEqual(new Date(1749416383519));
    expect(Math.abs(accepted[1]!.sentAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it("drops Instagram echoes and deletions, stores customer texts", async () => {
    const { app, accepted } = setup();
    for (const name of ["instagram-echo", "instagram-deleted", "instagram-text"]) {
      expect((await app.inject(signedPost("/webhooks/instagram", fixture(name)))).statusCode).toBe(200);
    }
    expect(accepted.map((m) => m.text)).toEqual(["Hi! Is the lemon cake available today?"]);
  });

  it("leaves the rest of the app with Fastify's JSON parser", async () => {
    const { app } = setup();
    app.post("/echo", async (request) => ({ got: request.body }));
    const res = await app.inject({ method: "POST", url: "/echo", payload: { a: 1 } });
    expect(res.json()).toEqual({ got: { a: 1 } });
  });
});
