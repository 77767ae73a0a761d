import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { WebchatClient, type ChatLine } from "../../src/main/webchat-client.js";
import { PrivateRedisCluster } from "../../test-kit/private-redis-cluster.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// Issue #17 (3): the primary that owns the queue prefix's hash-tag slot is killed (SIGKILL) while
// customers write; its replica takes over and the gateway and the worker carry on, each message
// answered once. The cluster's node timeout is 1.5 s (private-redis-cluster.ts), so the replica is
// promoted about 2-4 s after the kill; the gateway must accept messages again soon after.
let cluster: PrivateRedisCluster;
let pipeline: TestPipeline | undefined;
// The processes' warnings: a close that had to be cut short says so (closeWithin).
const warnings: string[] = [];

// Measured: 3.2-3.5 s on a 2-core machine at load 3-5, 7.0 s at load 8.7 with other suites running
// (the README's Redis Cluster section); the failover itself takes about as long (node timeout 1.5 s,
// then the election). Before the fixes: over 15 s, or no end.
const MAX_SPELL_MS = 15_000;
// Each close step is bounded (5 s; the drain of running turns by SHUTDOWN_DEADLINE_MS, 5 s here).
const MAX_CLOSE_MS = 30_000;
// Replies wait behind the turns queued during the failover (9-12 s at load 3-5, 59 s at load 8.7);
// a conversation lock stranded by the failover held its customer 120 s more.
const MAX_REPLY_MS = 100_000;

beforeAll(async () => {
  cluster = await PrivateRedisCluster.start();
  // Short replies: the subject is Redis, and a loaded 2-core machine answers slowly enough. Redis
  // replicates asynchronously: a job the old primary took just before the kill may never reach the
  // replica; the reconciler queues it again from PostgreSQL (here after 5 s; 60 s by default).
  pipeline = await startTestPipeline({
    businesses: { demo: "support-bakery" },
    redisUrl: cluster.url,
    logger: createLogger("warn", "test", new Writable({ write: (chunk: Buffer, _e, done) => (warnings.push(chunk.toString()), done()) })),
    env: { SHUTDOWN_DEADLINE_MS: "5000" },
    settings: { replyMaxTokens: 8 },
    timings: { reconcileIntervalMs: 2000, reconcileAfterMs: 5000 },
  });
}, 120_000);

afterAll(async () => {
  await pipeline?.close();
  await cluster?.stop();
});

interface Sent {
  readonly client: WebchatClient;
  readonly acceptedAt: number;
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
    if (res?.ok && body.messageId)
      return { client, messageId: body.messageId, acceptedAt: Date.now(), waitedMs: Date.now() - firstAttemptAt, firstAttemptAt };
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
    let killedAt = 0;
    // From a message's acceptance to its reply on the customer's page.
    const replyMs: number[] = [];
    const answered = async (client: WebchatClient, s: Sent) => {
      try {
        await client.waitForReply(150_000);
      } finally {
        replyMs.push(Date.now() - s.acceptedAt);
        if (Date.now() - s.acceptedAt > 30_000) {
          const m = await pipeline!.database.db.message.findUnique({ where: { id: s.messageId } }).catch(() => null);
          console.info(
            `SLOW reply ${Date.now() - s.acceptedAt} ms (accepted ${s.acceptedAt - killedAt} ms after the kill): ${JSON.stringify({ status: m?.status, error: m?.error, conversationId: m?.conversationId, replyId: m?.replyId, createdAt: m?.createdAt })}`,
          );
        }
      }
    };
    let writing = true;

    // Four customers in conversation: write, wait for the reply, write again 7 s later (the persona
    // lets a conversation send 10 messages a minute; the 12th within one is ignored as a flood).
    const talkers = Array.from({ length: 4 }, async (_, i) => {
      const client = new WebchatClient(baseUrl, "demo");
      for (let turn = 0; writing || turn < 2; turn++) {
        if (turn > 0) await new Promise((resolve) => setTimeout(resolve, 7000 + i * 500));
        const s = await post(baseUrl, client, `Customer ${i}, message ${turn}: are you open on Sunday?`);
        sent.push(s);
        await answered(client, s);
      }
    });
    // And around the failover a new customer every 500 ms, so some message is always being posted
    // while the slot has no primary (each is a turn for the model: not more than it can answer).
    const newcomers: Array<Promise<void>> = [];
    let arriving = true;
    const arrive = async () => {
      while (arriving) {
        const client = new WebchatClient(baseUrl, "demo");
        newcomers.push(
          post(baseUrl, client, "Hello, how much is a sourdough loaf?").then(async (s) => {
            sent.push(s);
            await answered(client, s);
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    };

    let promotedAfterMs = 0;
    let arrivals: Promise<void> = Promise.resolve();
    try {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      arrivals = arrive();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const slotKey = `${config.queuePrefix}:anything`;
      const primary = await cluster.primaryFor(slotKey);
      killedAt = Date.now();
      await cluster.kill(primary);
      await cluster.waitForNewPrimary(slotKey, primary);
      promotedAfterMs = Date.now() - killedAt;
      await new Promise((resolve) => setTimeout(resolve, 2000));
      arriving = false;
      // The conversations go on for a while on the new primary.
      await new Promise((resolve) => setTimeout(resolve, 6000));
    } finally {
      writing = false;
      arriving = false;
      await arrivals;
      // Every customer's message must have been accepted and answered.
      const outcomes = await Promise.allSettled([...talkers, ...newcomers]);
      expect(outcomes.flatMap((o) => (o.status === "rejected" ? [String(o.reason)] : []))).toEqual([]);
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
    console.info(
      `failover: replica promoted ${promotedAfterMs} ms after the kill; ${sent.length} messages, ${duringFailover} first posted during it; longest a message waited to be accepted ${spell} ms, to be answered ${Math.max(...replyMs)} ms`,
    );
    expect(duringFailover).toBeGreaterThanOrEqual(3);
    expect(spell).toBeLessThan(MAX_SPELL_MS);
    expect(Math.max(...replyMs)).toBeLessThan(MAX_REPLY_MS);

    const closing = Date.now();
    await pipeline!.close();
    pipeline = undefined;
    const closeMs = Date.now() - closing;
    const cutShort = warnings.filter((w) => w.includes("not closed in time")).map((w) => (JSON.parse(w) as { what: string }).what);
    const requeued = warnings
      .filter((w) => w.includes("reconciled work"))
      .reduce((n, w) => n + ((JSON.parse(w) as { requeuedTurns?: number }).requeuedTurns ?? 0), 0);
    console.info(
      `failover: gateway and worker closed in ${closeMs} ms${cutShort.length ? `; cut short: ${cutShort.join(", ")}` : ""}; turns the reconciler queued again: ${requeued}`,
    );
    expect(closeMs).toBeLessThan(MAX_CLOSE_MS);
  }, 240_000);
});
