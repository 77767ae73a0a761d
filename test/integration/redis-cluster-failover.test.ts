import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebchatClient, type ChatLine } from "../../src/main/webchat-client.js";
import { PrivateRedisCluster } from "../support/private-redis-cluster.js";
import { startTestPipeline, type TestPipeline } from "../support/test-pipeline.js";

// Issue #17 (3): the primary that owns the queue prefix's hash-tag slot is killed (SIGKILL) while
// customers write; its replica takes over and the gateway and the worker carry on, each message
// answered once. The cluster's node timeout is 1.5 s (private-redis-cluster.ts), so the replica is
// promoted about 2-4 s after the kill; the gateway must accept messages again soon after.
let cluster: PrivateRedisCluster;
let pipeline: TestPipeline | undefined;

// Measured with this cluster: 2.6-5.3 s on a loaded 2-core machine (see the README's Redis Cluster
// section). Over 15 s was seen before the fix, with no end in some runs.
const MAX_SPELL_MS = 12_000;
const MAX_CLOSE_MS = 15_000;

beforeAll(async () => {
  cluster = await PrivateRedisCluster.start();
  pipeline = await startTestPipeline({ businesses: { demo: "support-bakery" }, redisUrl: cluster.url });
}, 120_000);

afterAll(async () => {
  await pipeline?.close();
  await cluster?.stop();
});

interface Sent {
  readonly client: WebchatClient;
  readonly messageId: string;
  /** From the first POST to the one the gateway accepted: how long this customer could not write. */
  readonly waitedMs: number;
  readonly firstAttemptAt: number;
}

/** Posts as the chat page does, retrying every 100 ms on 503 or a dropped connection (same client id: safe). */
async function post(baseUrl: string, client: WebchatClient, text: string): Promise<Sent> {
  const clientMessageId = crypto.randomUUID();
  const firstAttemptAt = Date.now();
  for (;;) {
    const res = await fetch(`${baseUrl}/api/webchat/demo/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sessionId: client.sessionId, clientMessageId, text }),
    }).catch(() => null);
    const body = res ? ((await res.json().catch(() => ({}))) as { messageId?: string }) : {};
    if (res?.ok && body.messageId) return { client, messageId: body.messageId, waitedMs: Date.now() - firstAttemptAt, firstAttemptAt };
    if (res && res.status !== 503) throw new Error(`gateway answered ${res.status}`);
    if (Date.now() - firstAttemptAt > 60_000) throw new Error("gateway refused messages for 60 s");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function transcript(baseUrl: string, client: WebchatClient): Promise<ChatLine[]> {
  const res = await fetch(`${baseUrl}/api/webchat/demo/messages?after=0`, { headers: { "x-webchat-session": client.sessionId } });
  return ((await res.json()) as { messages: ChatLine[] }).messages;
}

describe("a Redis Cluster primary failover", () => {
  it("the tag slot's primary is killed mid-traffic: the replica takes over, the gateway accepts again within seconds, every message is answered once, and closing does not hang", async () => {
    const { baseUrl, config } = pipeline!;
    const sent: Sent[] = [];
    let writing = true;

    // Six customers in conversation: write, wait for the reply, write again, until told to stop.
    const talkers = Array.from({ length: 6 }, async (_, i) => {
      const client = new WebchatClient(baseUrl, "demo");
      for (let turn = 0; writing || turn < 2; turn++) {
        sent.push(await post(baseUrl, client, `Customer ${i}, message ${turn}: are you open on Sunday?`));
        await client.waitForReply(120_000);
      }
    });
    // And a new customer every 300 ms, so some message is always being posted through the failover.
    const newcomers: Array<Promise<void>> = [];
    const arrivals = (async () => {
      while (writing) {
        const client = new WebchatClient(baseUrl, "demo");
        newcomers.push(
          post(baseUrl, client, "Hello, how much is a sourdough loaf?").then(async (s) => {
            sent.push(s);
            await client.waitForReply(120_000);
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    })();

    let killedAt = 0;
    let promotedAfterMs = 0;
    try {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const slotKey = `${config.queuePrefix}:anything`;
      const primary = await cluster.primaryFor(slotKey);
      killedAt = Date.now();
      await cluster.kill(primary);
      await cluster.waitForNewPrimary(slotKey, primary);
      promotedAfterMs = Date.now() - killedAt;
      // Traffic goes on for a while on the new primary.
      await new Promise((resolve) => setTimeout(resolve, 8000));
    } finally {
      writing = false;
      await arrivals;
      // Every customer's message must have been accepted and answered.
      const outcomes = await Promise.allSettled([...talkers, ...newcomers]);
      expect(outcomes.filter((o) => o.status === "rejected")).toEqual([]);
    }

    await expect.poll(() => pipeline!.database.db.outboxEntry.count({ where: { status: { not: "sent" } } }), { timeout: 30_000 }).toBe(0);
    // Every customer's page: each message accepted once, each followed by exactly one reply.
    const byClient = new Map<WebchatClient, string[]>();
    for (const s of sent) byClient.set(s.client, [...(byClient.get(s.client) ?? []), s.messageId]);
    for (const [client, messageIds] of byClient) {
      const lines = await transcript(baseUrl, client);
      expect(lines.filter((l) => l.direction === "inbound").map((l) => l.id)).toEqual(messageIds);
      expect(lines.map((l) => l.direction)).toEqual(messageIds.flatMap(() => ["inbound", "outbound"]));
    }

    const spell = Math.max(...sent.map((s) => s.waitedMs));
    const duringFailover = sent.filter((s) => s.firstAttemptAt >= killedAt && s.firstAttemptAt <= killedAt + promotedAfterMs).length;
    console.info(`failover: replica promoted ${promotedAfterMs} ms after the kill; ${sent.length} messages, ${duringFailover} first posted during it; longest a message waited to be accepted ${spell} ms`);
    expect(duringFailover).toBeGreaterThan(5);
    expect(spell).toBeLessThan(MAX_SPELL_MS);

    const closing = Date.now();
    await pipeline!.close();
    pipeline = undefined;
    const closeMs = Date.now() - closing;
    console.info(`failover: gateway and worker closed in ${closeMs} ms`);
    expect(closeMs).toBeLessThan(MAX_CLOSE_MS);
  }, 240_000);
});
