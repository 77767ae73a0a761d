import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebchatClient, type ChatLine } from "../../src/main/webchat-client.js";
import { PrivateRedisCluster } from "../../test-kit/private-redis-cluster.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// Issue #17 (3): REDIS_URL naming a Redis Cluster. The gateway and the worker run on a real
// cluster (three primaries, a replica each); the queue prefix becomes a hash tag so every key of
// ours is in one slot. A primary killed mid-traffic: redis-cluster-failover.test.ts.
let cluster: PrivateRedisCluster;
let pipeline: TestPipeline;

beforeAll(async () => {
  cluster = await PrivateRedisCluster.start();
  pipeline = await startTestPipeline({ businesses: { demo: "support-bakery" }, redisUrl: cluster.url });
}, 120_000);

afterAll(async () => {
  await pipeline?.close();
  await cluster?.stop();
});

async function transcript(client: WebchatClient): Promise<ChatLine[]> {
  const res = await fetch(`${pipeline.baseUrl}/api/webchat/demo/messages?after=0`, { headers: { "x-webchat-session": client.sessionId } });
  return ((await res.json()) as { messages: ChatLine[] }).messages;
}

async function talk(clients: readonly WebchatClient[], text: string): Promise<void> {
  await Promise.all(
    clients.map(async (client) => {
      await client.send(text);
      await client.waitForReply(90_000);
    }),
  );
}

describe("on a Redis Cluster", () => {
  it("keys carry the prefix's hash tag, all in one slot, and conversations are answered", async () => {
    expect(pipeline.config.queuePrefix).toMatch(/^\{test-[0-9a-f]+\}$/);
    const clients = Array.from({ length: 6 }, () => new WebchatClient(pipeline.baseUrl, "demo"));
    await talk(clients, "Hi! Are you open on Sunday?");
    await talk(clients, "And how much is a sourdough loaf?");
    await expect.poll(() => pipeline.database.db.outboxEntry.count({ where: { status: { not: "sent" } } })).toBe(0);
    for (const client of clients) expect((await transcript(client)).map((l) => l.direction)).toEqual(["inbound", "outbound", "inbound", "outbound"]);
    // BullMQ's queues and our own keys (fairness, locks, send records) all live in the tag's slot.
    expect(await cluster.keysInSlotOf(pipeline.config.queuePrefix)).toBeGreaterThan(5);
  }, 120_000);
});
