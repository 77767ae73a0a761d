import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OutsideCustomerWindowError } from "../../src/adapters/channels/meta/customer-window.js";
import { GraphClient, GraphOutcomeUnknownError, GraphRejectedError, GraphTransportError } from "../../src/adapters/channels/meta/graph-client.js";
import { PlatformRejectedError, PlatformTransportError, SendOutcomeUnknownError } from "../../src/ports/channel-adapter.js";
import { FakeGraphServer } from "../../test-kit/fake-graph-server.js";

let graph: FakeGraphServer;
let sleeps: number[];
const client = (extra: Partial<ConstructorParameters<typeof GraphClient>[0]> = {}) =>
  new GraphClient({
    baseUrl: graph.baseUrl,
    version: "v21.0",
    maxAttempts: 4,
    baseDelayMs: 100,
    maxDelayMs: 5000,
    random: () => 1,
    sleep: async (ms) => void sleeps.push(ms),
    ...extra,
  });
const send = (c: GraphClient) =>
  c.post("106540352242922/messages", "tok", { messaging_product: "whatsapp", to: "16505551234", type: "text", text: { body: "hi" } });

beforeAll(async () => {
  graph = await FakeGraphServer.start();
});
afterAll(() => graph.close());
beforeEach(() => {
  graph.reset();
  sleeps = [];
});

describe("GraphClient", () => {
  it("posts JSON with the bearer token to /{version}/{path}", async () => {
    const res = await send(client());
    expect(res.messages).toEqual([{ id: expect.stringMatching(/^wamid\.HBgL/) }]);
    expect(graph.requests[0]).toMatchObject({
      method: "POST",
      path: "/v21.0/106540352242922/messages",
      headers: { authorization: "Bearer tok", "content-type": "application/json" },
    });
  });

  it("does not wait out a 429 inside the call: a transport error carrying Meta's Retry-After, for the outbox to wait in its delayed set", async () => {
    graph.failNext(1, { status: 429, retryAfter: "2" });
    const error = await send(client()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphTransportError);
    expect(error).toBeInstanceOf(PlatformTransportError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 2000 });
    expect(graph.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("a 429 without Retry-After is a transport error without a wait (the outbox's own backoff applies)", async () => {
    graph.failNext(1, { status: 429 });
    const error = await send(client()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphTransportError);
    expect((error as GraphTransportError).retryAfterMs).toBeUndefined();
    expect(graph.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("never repeats a request after a 5xx: the message may have gone out (unknown outcome)", async () => {
    for (const status of [500, 503]) {
      graph.reset();
      graph.failNext(1, { status, processed: true });
      const error = await send(client()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GraphOutcomeUnknownError);
      expect(error).toBeInstanceOf(SendOutcomeUnknownError);
      expect((error as SendOutcomeUnknownError).code).toBe("UNKNOWN_OUTCOME");
      expect((error as GraphOutcomeUnknownError).status).toBe(status);
      expect(graph.requests).toHaveLength(1);
    }
    expect(sleeps).toEqual([]);
  });

  it("passes on a long Retry-After as it is (the outbox bounds it)", async () => {
    graph.failNext(1, { status: 429, retryAfter: "3600" });
    const error = await send(client()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphTransportError);
    expect((error as GraphTransportError).retryAfterMs).toBe(3_600_000);
    expect(graph.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("a connection dropped or reset after the request was written is an unknown outcome, not retried", async () => {
    graph.failNext(1, { drop: true, processed: true });
    const dropped = await send(client()).catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(GraphOutcomeUnknownError);
    expect((dropped as Error).message).toContain("UND_ERR_SOCKET");
    expect(graph.requests).toHaveLength(1);
    expect(graph.received()).toHaveLength(1);
  });

  it("a timeout after the request was written is an unknown outcome, not retried", async () => {
    graph.failNext(1, { delayMs: 1500 });
    const error = await send(client({ timeoutMs: 300 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphOutcomeUnknownError);
    expect((error as Error).message).toContain("TimeoutError");
    expect(graph.requests).toHaveLength(1);
    expect(graph.received()).toHaveLength(1);
  });

  it("retries a refused connection (the request never left), then reports a transport error", async () => {
    await graph.refuseConnections();
    try {
      const error = await send(client()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GraphTransportError);
      expect((error as Error).message).toContain("ECONNREFUSED");
      expect(sleeps).toHaveLength(3);
    } finally {
      await graph.acceptConnections();
    }
    // Refused for the first tries only: the call gets through once the server listens again.
    await graph.refuseConnections();
    const reopening = client({
      sleep: async (ms) => {
        sleeps.push(ms);
        if (sleeps.length === 5) await graph.acceptConnections();
      },
    });
    const res = await send(reopening);
    expect(res.messages).toEqual([{ id: expect.stringMatching(/^wamid\./) }]);
    expect(graph.received()).toHaveLength(1);
  });

  it("treats other 4xx as rejected at once, with Graph's code in the message", async () => {
    graph.failNext(1, { status: 400, body: { error: { message: "(#100) Invalid parameter", type: "OAuthException", code: 100, fbtrace_id: "x" } } });
    const error = await send(client()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphRejectedError);
    expect(error).toBeInstanceOf(PlatformRejectedError);
    expect((error as Error).message).toBe("Graph API 400 (code 100): (#100) Invalid parameter");
    expect(graph.requests).toHaveLength(1);
  });

  it("Meta's throttling codes sent as 400 are transport errors (safe to send later), not rejections", async () => {
    graph.failNext(1, { status: 400, body: { error: { message: "(#130429) Rate limit hit", code: 130429 } } });
    const error = await send(client()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphTransportError);
    expect(error).not.toBeInstanceOf(PlatformRejectedError);
    expect(graph.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("maps the closed customer window (WhatsApp 131047, Instagram 10/2534022) to OutsideCustomerWindowError", async () => {
    graph.failNext(1, { status: 400, body: { error: { message: "Re-engagement message", code: 131047 } } });
    await expect(send(client())).rejects.toBeInstanceOf(OutsideCustomerWindowError);
    graph.failNext(1, {
      status: 400,
      body: { error: { message: "This message is sent outside of allowed window.", code: 10, error_subcode: 2534022 } },
    });
    await expect(send(client())).rejects.toBeInstanceOf(OutsideCustomerWindowError);
  });
});
