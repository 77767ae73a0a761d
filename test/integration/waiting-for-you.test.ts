import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { WebchatClient } from "../../src/main/webchat-client.js";
import { OPENING_QUEUE, type OpeningJob } from "../../src/adapters/queue/opening-queue.js";
import { createRedis } from "../../src/adapters/queue/redis-connection.js";
import { createAdminStore } from "../../src/adapters/storage/admin/admin-store.js";
import type { RecordingChatModel } from "../../test-kit/recording-chat-model.js";
import type { TestDatabase } from "../../test-kit/test-database.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// Nothing hides (issue #15), through the whole pipeline: gateway, Redis, PostgreSQL, the worker on
// the tiny model, the web chat adapter. What customers received is read where they read it (the web
// chat session), not only from the database. The worker's clock can be moved to the opening, so the
// scheduled opening job runs at "its" time without waiting hours for it.
let pipeline: TestPipeline;
let database: TestDatabase;
let model: RecordingChatModel;
let baseUrl: string;
let businessId: string;
let key: string;
let openings: Queue<OpeningJob>;
let clockShiftMs = 0;

const hh = (offset: number) => `${String((new Date().getUTCHours() + 24 + offset) % 24).padStart(2, "0")}:00`;
const everyDay = (range: [string, string]) => Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [range]]));
const AWAY = "We're closed now, back {opens}.";

beforeAll(async () => {
  // The reconciler would also answer what waited, after a minute: kept out of the way, so only the opening job and resume can.
  pipeline = await startTestPipeline({
    settings: { replyMaxTokens: 8, turnDebounceMs: 300 },
    timings: { reconcileIntervalMs: 3600000, reconcileAfterMs: 3600000 },
    businesses: { bakery: "support-bakery" },
    now: () => new Date(Date.now() + clockShiftMs),
  });
  ({ database, model, baseUrl } = pipeline);
  businessId = (await database.db.business.findUniqueOrThrow({ where: { slug: "bakery" } })).id;
  key = (await issueApiKey(createAdminStore(database.db).apiKeys, { businessId, name: "owner's phone" })).key;
  openings = new Queue<OpeningJob>(OPENING_QUEUE, { connection: createRedis(TEST_REDIS_URL, "producer"), prefix: pipeline.config.queuePrefix });
});

afterAll(async () => {
  await openings?.close();
  await pipeline?.close();
});

async function admin<T = any>(path: string, body?: object): Promise<T> {
  const res = await fetch(`${baseUrl}/api/admin/businesses/${businessId}${path}`, {
    method: body ? "POST" : "GET",
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** What the customer's chat shows from the business: every outbound message of the session. */
async function received(client: WebchatClient): Promise<string[]> {
  const res = await fetch(`${baseUrl}/api/webchat/bakery/sessions/${client.sessionId}/messages`, {
    headers: { "x-webchat-session": client.sessionId },
  });
  const { messages } = (await res.json()) as { messages: { direction: string; text: string }[] };
  return messages.filter((m) => m.direction === "outbound").map((m) => m.text);
}

async function conversationOf(messageId: string) {
  return (await database.db.message.findUniqueOrThrow({ where: { id: messageId }, select: { conversationId: true } })).conversationId;
}

describe("closed shop: later messages wait for a person, and the agent answers them at the opening", () => {
  it("three customers write; each gets the away reply once, the rest waits with a badge; the opening job answers what no person answered", async () => {
    await database.db.business.update({
      where: { id: businessId },
      data: { timezone: "UTC", openingHours: everyDay([hh(2), hh(3)]), outsideHours: "away", awayMessage: AWAY },
    });
    const names = ["Ana", "Bruno", "Chen"];
    const customers = names.map(() => new WebchatClient(baseUrl, "bakery"));
    const promptsBefore = model.prompts.length;

    await Promise.all(customers.map((c, i) => c.send(`Hi, do you have croissants? (${names[i]})`, names[i])));
    for (const c of customers) expect((await c.waitForReply(60_000)).text).toMatch(/^We're closed now, back (today|tomorrow) at /);
    const later = await Promise.all(customers.map((c) => c.send("Also 4 croissants please")));
    const conversations = await Promise.all(later.map(conversationOf));

    // Waiting for you: every later message, in the filter, with its badge, names and preview.
    await expect.poll(async () => (await admin(`/conversations?state=waiting`)).items.length, { timeout: 30_000 }).toBe(3);
    const waiting = (await admin(`/conversations?state=waiting`)).items;
    for (const c of waiting) {
      expect(c).toMatchObject({
        state: "waiting",
        unansweredCount: 1,
        unread: true,
        tryIt: null,
        preview: { text: "Also 4 croissants please", direction: "inbound" },
      });
      expect(c.waitingUntil).toMatch(new RegExp(`T${hh(2)}:00\\.000Z$`));
    }
    expect(waiting.map((c: any) => c.contact.displayName).sort()).toEqual(names);
    expect((await admin(`/conversations?unanswered=true`)).items).toHaveLength(3);
    // The away reply went once per conversation: nothing more reached any customer, and the model was never asked.
    for (const c of customers) expect(await received(c)).toHaveLength(1);
    expect(model.prompts.length).toBe(promptsBefore);

    // One opening job for the business (three conversations share it), delayed to the opening itself.
    const delayed = await openings.getDelayed();
    expect(delayed).toHaveLength(1);
    const job = delayed[0]!;
    const opensAt = new Date(waiting[0].waitingUntil).getTime();
    expect(job.data).toEqual({ businessId, opensAt });
    expect(Math.abs(job.timestamp + job.delay - opensAt)).toBeLessThan(5_000);

    // Before the opening, the owner answers Bruno in person; the agent must not answer him again.
    await admin(`/conversations/${conversations[1]}/messages`, { text: "Bruno, yes: 4 croissants kept for you." });
    await expect.poll(async () => (await received(customers[1]!)).length, { timeout: 10_000 }).toBe(2);

    // The opening: the worker's clock reaches it and the job is due.
    clockShiftMs = opensAt + 1000 - Date.now();
    await job.promote();
    for (const i of [0, 2]) await expect.poll(async () => (await received(customers[i]!)).length, { timeout: 60_000 }).toBe(2);
    expect(model.prompts.length).toBe(promptsBefore + 2);
    const after = await database.db.message.findMany({
      where: { id: { in: later } },
      select: { id: true, status: true, reply: { select: { turn: { select: { id: true } } } } },
    });
    expect(after.every((m) => m.status === "answered")).toBe(true);
    // Ana's and Chen's by the agent (a turn record), Bruno's by the owner (none).
    expect(
      after
        .filter((m) => m.reply?.turn)
        .map((m) => m.id)
        .sort(),
    ).toEqual([later[0], later[2]].sort());
    expect((await admin(`/conversations?state=waiting`)).items).toHaveLength(0);
    // Bruno got his person's reply and nothing from the agent.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await received(customers[1]!)).toEqual([expect.stringMatching(/^We're closed now/), "Bruno, yes: 4 croissants kept for you."]);
    clockShiftMs = 0;
  });
});

describe("resume answers what waited, at once", () => {
  it("after a handoff the next message waits; resume resolves the handoff and the agent answers it within the debounce, not at the reconciler's round", async () => {
    await database.db.$executeRaw`UPDATE "Business" SET "openingHours" = NULL, "outsideHours" = 'answer' WHERE id = ${businessId}::uuid`;
    const customer = new WebchatClient(baseUrl, "bakery");
    await customer.send("I want to speak to a human please", "Dora");
    await customer.waitForReply(60_000);
    const id = await customer.send("Also 4 croissants please");
    const conversationId = await conversationOf(id);

    await expect.poll(async () => (await admin(`/conversations/${conversationId}`)).state, { timeout: 20_000 }).toBe("waiting");
    const handoffs = (await admin(`/handoffs?status=open&conversationId=${conversationId}`)).items;
    expect(handoffs).toHaveLength(1);
    expect(handoffs[0]).toMatchObject({ reason: "handoff:human", contactName: "Dora", customerText: "I want to speak to a human please" });
    const row = (await admin(`/conversations?state=waiting&q=croiss`)).items;
    expect(row.map((c: any) => c.id)).toEqual([conversationId]);
    expect(row[0].handoff).toMatchObject({ reason: "handoff:human", customerText: "I want to speak to a human please" });
    // Paused: nothing but the handoff reply reached the customer.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await received(customer)).toHaveLength(1);

    const resumedAt = Date.now();
    const resumed = await admin(`/conversations/${conversationId}/resume`, {});
    expect(resumed.agentPaused).toBe(false);
    expect((await admin(`/handoffs?status=open&conversationId=${conversationId}`)).items).toHaveLength(0);
    await expect.poll(async () => (await received(customer)).length, { timeout: 20_000, interval: 100 }).toBe(2);
    // Debounce 300 ms plus a tiny model's few tokens; the reconciler is an hour away here.
    expect(Date.now() - resumedAt).toBeLessThan(10_000);
    expect((await database.db.message.findUniqueOrThrow({ where: { id } })).status).toBe("answered");
    expect((await admin(`/conversations/${conversationId}`)).state).toBe("resolved");
  });
});
