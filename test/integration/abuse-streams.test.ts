import { randomUUID } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeGateway, type RunningGateway } from "../../src/main/compose-gateway.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { requestFrom } from "../../test-kit/loopback-client.js";
import { defaultWebchatLimitsEnv, testConfig } from "../../test-kit/test-config.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// Issue #14 (4): web chat event streams, against the whole system on loopback. A stream whose
// client resets leaves nothing behind; streams of one conversation share one read per event; the
// caps per session and per address hold.
let pipeline: TestPipeline;
let redis: Redis;
let port: number;

beforeAll(async () => {
  pipeline = await startTestPipeline({
    env: { WEBCHAT_STREAMS_PER_SESSION: "1000" },
    settings: { replyMaxTokens: 8 },
    businesses: { "shop-s": "support-bakery" },
  });
  port = Number(new URL(pipeline.baseUrl).port);
  redis = new Redis(TEST_REDIS_URL);
}, 120_000);

afterAll(async () => {
  redis?.disconnect();
  await pipeline?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const newSession = () => randomUUID().replaceAll("-", "");

/** A visitor's message, and its reply stored: the conversation exists and nothing is in flight. */
async function converse(sessionId: string, text = "hello"): Promise<string> {
  const res = await requestFrom("127.0.0.1", `${pipeline.baseUrl}/api/webchat/shop-s/messages`, {
    body: { sessionId, clientMessageId: randomUUID(), text },
  });
  expect(res.status, res.body).toBe(202);
  const { messageId } = JSON.parse(res.body) as { messageId: string };
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(20)) {
    const m = await pipeline.database.db.message.findUniqueOrThrow({ where: { id: messageId }, select: { conversationId: true, replyId: true } });
    if (m.replyId && (await pipeline.database.db.message.count({ where: { id: m.replyId, status: "sent" } }))) return m.conversationId;
  }
  throw new Error("no reply");
}

/** Opens a stream on a raw socket and resets it (TCP RST): before the answer, a few ms in, or once the first bytes came. */
function openAndReset(sessionId: string, when: "at-once" | "soon" | "after-first-bytes"): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress: "127.0.0.1" });
    const reset = () => {
      if (!socket.destroyed) socket.resetAndDestroy();
      resolve();
    };
    socket.on("error", () => resolve());
    socket.on("close", () => resolve());
    socket.once("connect", () => {
      socket.write(
        `GET /api/webchat/shop-s/events HTTP/1.1\r\nHost: 127.0.0.1\r\nx-webchat-session: ${sessionId}\r\nAccept: text/event-stream\r\n\r\n`,
      );
      if (when === "at-once") reset();
      else if (when === "soon") setTimeout(reset, Math.floor(Math.random() * 5));
      else socket.once("data", reset);
    });
  });
}

async function subscriptions(): Promise<string[]> {
  return (await redis.pubsub("CHANNELS", `${pipeline.config.queuePrefix}:replies:*`)) as string[];
}

describe("web chat event streams", () => {
  it("300 streams reset by their clients leave no stream, listener, timer or Redis subscription behind", async () => {
    const sessionId = newSession();
    const conversationId = await converse(sessionId);
    const kinds = ["at-once", "soon", "after-first-bytes"] as const;
    for (let batch = 0; batch < 6; batch++) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => openAndReset(sessionId, kinds[i % 3]!)));
    }
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && pipeline.gateway.streamStats().streams > 0; ) await sleep(50);
    await sleep(300);
    expect(pipeline.gateway.streamStats()).toMatchObject({ conversations: 0, streams: 0, heartbeat: false });
    expect(await subscriptions()).toEqual([]);
    const [, listeners] = (await redis.pubsub("NUMSUB", `${pipeline.config.queuePrefix}:replies:${conversationId}`)) as [string, number];
    expect(Number(listeners)).toBe(0);

    // A message into that conversation now costs the gateway no read for streams: nobody is listening.
    const reads = pipeline.gateway.streamStats().reads;
    await converse(sessionId, "anyone there?");
    await sleep(200);
    expect(pipeline.gateway.streamStats().reads).toBe(reads);
  }, 120_000);

  it("many streams of one conversation share one database read per event, and each gets every message", async () => {
    const sessionId = newSession();
    await converse(sessionId);
    const streams = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const controller = new AbortController();
        const res = await fetch(`${pipeline.baseUrl}/api/webchat/shop-s/events`, {
          headers: { "x-webchat-session": sessionId },
          signal: controller.signal,
        });
        expect(res.status).toBe(200);
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        let text = "";
        const done = (async () => {
          for (;;) {
            const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
            if (chunk.done) return;
            text += chunk.value;
          }
        })();
        return { controller, text: () => text, done };
      }),
    );
    // Each caught up with what was stored before it opened.
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && streams.some((s) => (s.text().match(/event: message/g) ?? []).length < 2); )
      await sleep(50);
    const before = pipeline.gateway.streamStats();
    expect(before).toMatchObject({ conversations: 1, streams: 40, heartbeat: true });

    await converse(sessionId, "second question");
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && streams.some((s) => (s.text().match(/event: message/g) ?? []).length < 4); )
      await sleep(50);
    for (const s of streams) expect((s.text().match(/event: message/g) ?? []).length).toBe(4);
    // Two new messages (the question and its reply): a few reads in all, not one per stream.
    expect(pipeline.gateway.streamStats().reads - before.reads).toBeLessThanOrEqual(4);

    for (const s of streams) s.controller.abort();
    await Promise.all(streams.map((s) => s.done));
    for (const deadline = Date.now() + 5000; Date.now() < deadline && pipeline.gateway.streamStats().streams > 0; ) await sleep(50);
    expect(pipeline.gateway.streamStats()).toMatchObject({ conversations: 0, streams: 0, heartbeat: false });
    expect(await subscriptions()).toEqual([]);
  }, 120_000);

  describe("with the production limits", () => {
    let gateway: RunningGateway;
    let url: string;
    beforeAll(async () => {
      const config = testConfig({ ...defaultWebchatLimitsEnv(), QUEUE_PREFIX: pipeline.config.queuePrefix });
      gateway = composeGateway({ config, db: pipeline.database.db, redisUrl: TEST_REDIS_URL, logger: createLogger("silent", "test") });
      await gateway.app.listen({ host: "127.0.0.1", port: 0 });
      url = `http://127.0.0.1:${(gateway.app.server.address() as net.AddressInfo).port}`;
    });
    afterAll(async () => {
      await gateway?.close();
    });

    /** A stream request that stays open until close(): its status and Retry-After once the answer's head came. */
    const open = (from: string, sessionId: string) =>
      new Promise<{ status: number; retryAfter: string | undefined; close(): void }>((resolve, reject) => {
        const target = new URL(`${url}/api/webchat/shop-s/events`);
        const req = http.get(
          {
            host: target.hostname,
            port: target.port,
            path: target.pathname,
            localAddress: from,
            agent: false,
            headers: { "x-webchat-session": sessionId },
          },
          (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"] as string | undefined, close: () => req.destroy() });
          },
        );
        req.on("error", reject);
      });

    it("caps open streams per session and per address, and stream opens per address per minute (429 + Retry-After)", async () => {
      const sessionId = newSession();
      await converse(sessionId);
      const perSession = [];
      for (let i = 0; i < 4; i++) perSession.push(await open("127.0.2.1", sessionId));
      expect(perSession.map((s) => s.status)).toEqual([200, 200, 200, 429]);
      expect(Number(perSession[3]!.retryAfter)).toBeGreaterThan(0);
      // One closes: its place is free again.
      perSession[0]!.close();
      await sleep(200);
      const again = await open("127.0.2.1", sessionId);
      expect(again.status).toBe(200);
      for (const s of [...perSession, again]) s.close();

      // Open streams per address: 20 sessions' streams, then 429.
      const sessions = await Promise.all(
        Array.from({ length: 21 }, async () => {
          const id = newSession();
          await converse(id);
          return id;
        }),
      );
      const perAddress = [];
      for (const id of sessions) perAddress.push(await open("127.0.2.4", id));
      expect(perAddress.slice(0, 20).every((s) => s.status === 200)).toBe(true);
      expect(perAddress[20]!.status).toBe(429);
      for (const s of perAddress) s.close();

      // Opens per minute from one address: 30, then 429 RATE_LIMITED.
      const statuses: number[] = [];
      for (let i = 0; i < 32; i++) {
        const res = await requestFrom("127.0.2.2", `${url}/api/webchat/shop-s/events`, { headers: { "x-webchat-session": "not-a-session-x" } });
        statuses.push(res.status);
      }
      expect(statuses.slice(0, 30).every((s) => s === 400)).toBe(true);
      expect(statuses.slice(30)).toEqual([429, 429]);
    }, 60_000);

    it("keeps the session id out of URLs: reads and streams take it from a header", async () => {
      const missing = await requestFrom("127.0.2.3", `${url}/api/webchat/shop-s/messages`);
      expect(missing.status).toBe(400);
      expect(JSON.parse(missing.body).error.message).toContain("x-webchat-session");
    });
  });
});
