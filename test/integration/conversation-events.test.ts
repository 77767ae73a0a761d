import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { ApiKeyRepository } from "../../src/adapters/storage/admin/api-key-repository.js";
import { buildAdminTestApp, seedShop } from "../../test-kit/admin-test-app.js";
import { createTestDatabase } from "../../test-kit/test-database.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// The console's live inbox: GET /api/admin/businesses/:id/events over real HTTP, fed by the real
// gateway (a message stored) and the real worker (the reply answered and sent) through Redis.
let pipeline: TestPipeline;
const shops: Record<string, { businessId: string; key: string }> = {};

beforeAll(async () => {
  pipeline = await startTestPipeline({
    settings: { replyMaxTokens: 8, turnDebounceMs: 0 },
    businesses: { bakery: "support-bakery", salon: "support-bakery" },
  });
  const keys = new ApiKeyRepository(pipeline.database.db);
  for (const slug of ["bakery", "salon"]) {
    const { id: businessId } = await pipeline.database.db.business.findUniqueOrThrow({ where: { slug } });
    shops[slug] = { businessId, key: (await issueApiKey(keys, { businessId, name: `${slug} console` })).key };
  }
});

afterAll(async () => pipeline?.close());

interface Stream {
  readonly events: { event: string; data: string }[];
  next(event: string, timeoutMs?: number): Promise<{ event: string; data: string }>;
  close(): void;
}

async function openStream(businessId: string, key: string): Promise<Stream> {
  const controller = new AbortController();
  const res = await fetch(`${pipeline.baseUrl}/api/admin/businesses/${businessId}/events`, {
    headers: { authorization: `Bearer ${key}` },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/event-stream");
  const events: { event: string; data: string }[] = [];
  let consumed = 0;
  let wake = () => {};
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      const reader = res.body!.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          if (event) events.push({ event, data: /^data: (.*)$/m.exec(block)?.[1] ?? "" });
          wake();
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    events,
    async next(event, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = events.findIndex((e, index) => index >= consumed && e.event === event);
        if (i >= 0) {
          consumed = i + 1;
          return events[i]!;
        }
        if (Date.now() > deadline) throw new Error(`no ${event} event within ${timeoutMs} ms; got ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 200);
        });
      }
    },
    close: () => controller.abort(),
  };
}

async function customerWrites(slug: string, text: string): Promise<string> {
  const res = await fetch(`${pipeline.baseUrl}/api/webchat/${slug}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sessionId: randomUUID(), clientMessageId: randomUUID(), text }),
  });
  expect(res.status).toBe(202);
  const { messageId } = (await res.json()) as { messageId: string };
  return (await pipeline.database.db.message.findUniqueOrThrow({ where: { id: messageId } })).conversationId;
}

describe("live conversation events for the console", () => {
  it("announces a stored message and its answer to the business's stream, with ids only", async () => {
    const stream = await openStream(shops.bakery!.businessId, shops.bakery!.key);
    try {
      await stream.next("ready");
      const conversationId = await customerWrites("bakery", "Do you have rye bread at +34 600 111 222?");
      expect(JSON.parse((await stream.next("conversation")).data)).toEqual({ conversationId });
      // The worker answers and sends: the stream hears of it without a poll.
      await stream.next("conversation");
      const reply = await pipeline.database.db.message.findFirst({ where: { conversationId, direction: "outbound" } });
      expect(reply).not.toBeNull();
      const payloads = stream.events.map((e) => e.data).join("\n");
      expect(payloads).not.toContain("rye");
      expect(payloads).not.toContain("600");
    } finally {
      stream.close();
    }
  });

  it("never tells one business about another's conversations", async () => {
    const bakery = await openStream(shops.bakery!.businessId, shops.bakery!.key);
    const salon = await openStream(shops.salon!.businessId, shops.salon!.key);
    try {
      await Promise.all([bakery.next("ready"), salon.next("ready")]);
      const salonConversation = await customerWrites("salon", "Can I book a haircut?");
      expect(JSON.parse((await salon.next("conversation")).data)).toEqual({ conversationId: salonConversation });
      const bakeryConversation = await customerWrites("bakery", "Are you open today?");
      expect(JSON.parse((await bakery.next("conversation")).data)).toEqual({ conversationId: bakeryConversation });
      expect(bakery.events.some((e) => e.data.includes(salonConversation))).toBe(false);
    } finally {
      bakery.close();
      salon.close();
    }
  });

  it("refuses a missing key (401) and another business's id (404) before streaming anything", async () => {
    const url = `${pipeline.baseUrl}/api/admin/businesses/${shops.salon!.businessId}/events`;
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    const other = await fetch(url, { headers: { authorization: `Bearer ${shops.bakery!.key}` } });
    expect(other.status).toBe(404);
    expect(other.headers.get("content-type")).toContain("application/json");
  });
});

describe("an open event stream", () => {
  it("ends at the next heartbeat once its key is revoked", async () => {
    const database = await createTestDatabase();
    const t = await buildAdminTestApp(database.db, { eventsHeartbeatMs: 100 });
    try {
      const shop = await seedShop(database.db, t.store, "revoked-shop");
      await t.app.listen({ host: "127.0.0.1", port: 0 });
      const { port } = t.app.server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/api/admin/businesses/${shop.businessId}/events`, { headers: { authorization: shop.auth } });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let seen = "";
      while (!seen.includes("keep-alive")) seen += decoder.decode((await reader.read()).value, { stream: true });
      await t.store.apiKeys.revoke(shop.keyId, new Date());
      const started = Date.now();
      for (;;) {
        const { done } = await reader.read();
        if (done) break;
      }
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await t.app.close();
      await database.drop();
    }
  });
});
