import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultWebchatLimitsEnv } from "../support/test-config.js";
import { requestFrom, type LoopbackResponse } from "../support/loopback-client.js";
import { startTestPipeline, type TestPipeline } from "../support/test-pipeline.js";

// Issue #14 (3): a flood of web chat messages from new session ids, against the whole system on
// loopback (gateway, Redis, PostgreSQL, a worker on the tiny model), with the production limits.
// Clients are told apart by their loopback address, as the gateway tells them apart (TRUST_PROXY off).
const ATTACKER = "127.0.0.66";
// The flooded business's own customers, and another business's: each writes once, at the same time.
const VISITORS_A = ["127.0.0.21", "127.0.0.22", "127.0.0.23", "127.0.0.24", "127.0.0.25"];
const VISITORS_B = ["127.0.0.31", "127.0.0.32", "127.0.0.33", "127.0.0.34", "127.0.0.35"];

let pipeline: TestPipeline;

beforeAll(async () => {
  pipeline = await startTestPipeline({
    env: { ...defaultWebchatLimitsEnv(), PSEUDONYM_KEY: randomBytes(32).toString("base64"), REPLY_MAX_TOKENS: "16", BUSINESS_QUEUED_TURNS_MAX: "40" },
    businesses: { "shop-a": "support-bakery", "shop-b": "support-bakery" },
  });
}, 120_000);

afterAll(async () => {
  await pipeline?.close();
});

const session = () => randomUUID().replaceAll("-", "");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function post(from: string, channel: string, text = "Hi! Are you open on Sunday?", sessionId = session()): Promise<LoopbackResponse> {
  return requestFrom(from, `${pipeline.baseUrl}/api/webchat/${channel}/messages`, { body: { sessionId, clientMessageId: randomUUID(), text } });
}

/** From a visitor's post to their reply being stored (the reply's own timestamp, not a polling interval). */
async function replyLatency(from: string, channel: string): Promise<number> {
  const started = Date.now();
  const res = await post(from, channel);
  expect(res.status, res.body).toBe(202);
  const { messageId } = JSON.parse(res.body) as { messageId: string };
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(15)) {
    const inbound = await pipeline.database.db.message.findUnique({ where: { id: messageId }, select: { reply: { select: { createdAt: true } } } });
    if (inbound?.reply) return inbound.reply.createdAt.getTime() - started;
  }
  throw new Error("no reply within 60 s");
}

/** Several visitors writing at once, each from an address of their own: every one meets whatever is queued. */
function latencies(visitors: readonly string[], channel: string): Promise<number[]> {
  return Promise.all(visitors.map((from) => replyLatency(from, channel)));
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

describe("a web chat flood from new session ids", () => {
  it("300 sessions from one address: the rest are refused (429 + Retry-After), and other visitors' replies stay within 2x of idle", async () => {
    // Idle first, in the same test, the same way.
    const [idleAll, idleBll] = await Promise.all([latencies(VISITORS_A, "shop-a"), latencies(VISITORS_B, "shop-b")]);
    const idleA = median(idleAll);
    const idleB = median(idleBll);

    const contactsBefore = await pipeline.database.db.contact.count();
    // The flood's posts answered, its turns queued: the visitors write now, behind whatever it queued.
    const results = await flood([ATTACKER], "shop-a", 300, 30);
    const [underA, underB] = await Promise.all([latencies(VISITORS_A, "shop-a"), latencies(VISITORS_B, "shop-b")]);

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

    // Idle again once the flood's work is done: the machine is shared, and a baseline from before
    // alone would blame the flood for load that came from elsewhere meanwhile.
    await settle();
    const [againA, againB] = await Promise.all([latencies(VISITORS_A, "shop-a"), latencies(VISITORS_B, "shop-b")]);
    const baseA = Math.max(idleA, median(againA));
    const baseB = Math.max(idleB, median(againB));
    const report = { baseA, baseB, floodA: median(underA), floodB: median(underB), idleAll, againA, underA, idleBll, againB, underB, accepted };
    expect(median(underA), JSON.stringify(report)).toBeLessThanOrEqual(2 * baseA);
    expect(median(underB), JSON.stringify(report)).toBeLessThanOrEqual(2 * baseB);
  }, 300_000);

  it("a flood from many addresses meets the business's queue cap (429 BUSINESS_BUSY + Retry-After); another business is not held up", async () => {
    const idleBefore = median(await latencies(VISITORS_B, "shop-b"));
    const botnet = Array.from({ length: 30 }, (_, i) => `127.0.1.${i + 1}`);
    const results = await flood(botnet, "shop-a", 300, 30);
    const underB = await latencies(VISITORS_B, "shop-b");
    const busy = results.filter((r) => r.status === 429 && JSON.parse(r.body).error.code === "BUSINESS_BUSY");
    expect(busy.length).toBeGreaterThan(0);
    for (const r of busy) expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
    expect(results.filter((r) => r.status === 202).length).toBeLessThanOrEqual(60);
    await settle();
    const idleB = Math.max(idleBefore, median(await latencies(VISITORS_B, "shop-b")));
    expect(median(underB), JSON.stringify({ idleB, underB })).toBeLessThanOrEqual(2 * idleB);
  }, 300_000);
});
