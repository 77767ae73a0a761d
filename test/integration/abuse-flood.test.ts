import { randomBytes, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultWebchatLimitsEnv } from "../../test-kit/test-config.js";
import { requestFrom, type LoopbackResponse } from "../../test-kit/loopback-client.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";

// Issue #14 (3): a flood of web chat messages from new session ids, against the whole system on
// loopback (gateway, Redis, PostgreSQL, a worker on the tiny model), with the production limits.
// Clients are told apart by their loopback address, as the gateway tells them apart (TRUST_PROXY off).
const ATTACKER = "127.0.0.66";
// The flooded business's own customers, and another business's: each writes once, at the same time.
const VISITORS_A = ["127.0.0.21", "127.0.0.22", "127.0.0.23", "127.0.0.24", "127.0.0.25"];
const VISITORS_B = ["127.0.0.31", "127.0.0.32", "127.0.0.33", "127.0.0.34", "127.0.0.35"];

const QUEUED_TURNS_MAX = 40;
let pipeline: TestPipeline;

beforeAll(async () => {
  pipeline = await startTestPipeline({
    env: { ...defaultWebchatLimitsEnv(), PSEUDONYM_KEY: randomBytes(32).toString("base64"), BUSINESS_QUEUED_TURNS_MAX: String(QUEUED_TURNS_MAX) },
    settings: { replyMaxTokens: 16 },
    businesses: { "shop-a": "support-bakery", "shop-b": "support-bakery" },
  });
}, 120_000);

afterAll(async () => {
  await pipeline?.close();
});

const session = () => randomUUID().replaceAll("-", "");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function post(from: string, channel: string, text = "Hi! Are you open on Sunday?", sessionId = session()): Promise<LoopbackResponse> {
  return requestFrom(from, `${pipeline.baseUrl}/api/webchat/${channel}/messages`, { body: { sessionId, clientMessageId: randomUUID(), text } });
}

interface VisitorWait {
  /** From the post to the reply being stored (the reply's own timestamp, not a polling interval). */
  readonly ms: number;
  /** The flood's turns answered while this visitor waited: what the fairness and the caps bound. */
  readonly floodAhead: number;
}

async function visitorWait(from: string, channel: string): Promise<VisitorWait> {
  const started = Date.now();
  const res = await post(from, channel);
  expect(res.status, res.body).toBe(202);
  const { messageId } = JSON.parse(res.body) as { messageId: string };
  const db = pipeline.database.db;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(15)) {
    const inbound = await db.message.findUnique({ where: { id: messageId }, select: { createdAt: true, reply: { select: { createdAt: true } } } });
    if (!inbound?.reply) continue;
    const floodAhead = await db.message.count({
      where: {
        direction: "outbound",
        createdAt: { gt: inbound.createdAt, lt: inbound.reply.createdAt },
        answers: { some: { text: { startsWith: "spam " } } },
      },
    });
    return { ms: inbound.reply.createdAt.getTime() - started, floodAhead };
  }
  throw new Error("no reply within 60 s");
}

/** Several visitors writing at once, each from an address of their own: every one meets whatever is queued. */
function waits(visitors: readonly string[], channel: string): Promise<VisitorWait[]> {
  return Promise.all(visitors.map((from) => visitorWait(from, channel)));
}

/** `count` posts, each from a new session id, `concurrency` at a time, from one address or several. */
async function flood(addresses: readonly string[], channel: string, count: number, concurrency: number): Promise<LoopbackResponse[]> {
  const results: LoopbackResponse[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results.push(await post(addresses[i % addresses.length]!, channel, `spam ${i}`));
      }
    }),
  );
  return results;
}

async function settle(): Promise<void> {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(200)) {
    if ((await pipeline.database.db.message.count({ where: { direction: "inbound", status: "received" } })) === 0) return;
  }
  throw new Error("the queue did not drain within 120 s");
}

// Waits are bounded by counting the flood's turns answered ahead of each visitor, not by wall time:
// on a shared 2-core machine a latency ratio flakes, the order of the queue does not.

describe("a web chat flood from new session ids", () => {
  it("300 sessions from one address: the rest are refused (429 + Retry-After); the business's other visitors wait behind at most the address's pending few", async () => {
    const contactsBefore = await pipeline.database.db.contact.count();
    // The flood's posts answered, its turns queued: the visitors write now, behind whatever it queued.
    const results = await flood([ATTACKER], "shop-a", 300, 30);
    const [underA, underB] = await Promise.all([waits(VISITORS_A, "shop-a"), waits(VISITORS_B, "shop-b")]);

    const accepted = results.filter((r) => r.status === 202).length;
    const refused = results.filter((r) => r.status === 429);
    expect(accepted).toBeLessThanOrEqual(20);
    expect(accepted + refused.length).toBe(300);
    for (const r of refused) {
      expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
      // Over the address's rate, or over its messages waiting for an answer.
      expect(["RATE_LIMITED", "WAIT_FOR_ANSWER"]).toContain(JSON.parse(r.body).error.code);
    }
    // A refused message leaves no rows behind.
    expect(await pipeline.database.db.contact.count()).toBe(contactsBefore + accepted + VISITORS_A.length + VISITORS_B.length);

    // When the visitors wrote, the address had at most WEBCHAT_PENDING_PER_ADDRESS turns waiting;
    // that is all of the flood any of them can wait behind.
    const pendingPerAddress = pipeline.config.webchat.pendingPerAddress;
    const report = JSON.stringify({ accepted, underA, underB });
    for (const wait of [...underA, ...underB]) expect(wait.floodAhead, report).toBeLessThanOrEqual(pendingPerAddress);
    await settle();
  }, 300_000);

  it("a flood from many addresses meets the business's queue cap (429 BUSINESS_BUSY + Retry-After); another business waits behind only the turns already running", async () => {
    const botnet = Array.from({ length: 30 }, (_, i) => `127.0.1.${i + 1}`);
    // The business's queued turns, read from the queue's own count all through the flood: thirty
    // posts checked at once must not all get in on the same reading.
    const shopA = await pipeline.database.db.business.findUniqueOrThrow({ where: { slug: "shop-a" }, select: { id: true } });
    const redis = new Redis(TEST_REDIS_URL);
    let flooding = true;
    let mostQueued = 0;
    const sampling = (async () => {
      while (flooding) mostQueued = Math.max(mostQueued, Number((await redis.get(`${pipeline.config.queuePrefix}:fair:${shopA.id}`)) ?? 0));
    })();
    const results = await flood(botnet, "shop-a", 300, 30).finally(() => (flooding = false));
    await sampling.finally(() => redis.disconnect());
    const underB = await waits(VISITORS_B, "shop-b");

    const busy = results.filter((r) => r.status === 429 && JSON.parse(r.body).error.code === "BUSINESS_BUSY");
    expect(busy.length).toBeGreaterThan(0);
    for (const r of busy) expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
    expect(mostQueued).toBeGreaterThan(0);
    expect(mostQueued).toBeLessThanOrEqual(QUEUED_TURNS_MAX);
    // The other business's turns come first (fairness): each of its visitors waits behind the turns
    // running when they wrote, and behind flood turns numbered as low as its own, not the queue of 40.
    // (LLM_SEQUENCES is the turns a worker runs at once.)
    const report = JSON.stringify({ mostQueued, underB });
    for (const wait of underB) expect(wait.floodAhead, report).toBeLessThanOrEqual(pipeline.config.model.sequences + VISITORS_B.length);
    await settle();
  }, 300_000);
});
