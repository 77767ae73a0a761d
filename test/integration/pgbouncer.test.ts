import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebchatClient, type ChatLine } from "../../src/main/webchat-client.js";
import { PrivatePgBouncer } from "../../test-kit/private-pgbouncer.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// Issue #17 (4): PostgreSQL behind a pooler. The gateway and the worker reach the database only
// through PgBouncer in transaction mode (server connections handed out per transaction, so nothing
// may rely on a session: no session locks, no prepared statements by name, no SET), with fewer
// server connections than the app's pools hold, as a fleet of gateways and workers would share it.
const CONVERSATIONS = 12;
const SERVER_CONNECTIONS = 3;

let bouncer: PrivatePgBouncer;
let pipeline: TestPipeline;

beforeAll(async () => {
  bouncer = await PrivatePgBouncer.start({ poolSize: SERVER_CONNECTIONS });
  pipeline = await startTestPipeline({
    businesses: { demo: "support-bakery" },
    env: { LLM_SEQUENCES: "4", DATABASE_POOL_MAX: "10" },
    runtimeDatabaseUrl: (direct) => bouncer.urlFor(new URL(direct).pathname.slice(1)),
  });
}, 120_000);

afterAll(async () => {
  await pipeline?.close();
  await bouncer?.stop();
});

async function transcript(client: WebchatClient): Promise<ChatLine[]> {
  const res = await fetch(`${pipeline.baseUrl}/api/webchat/demo/messages?after=0`, { headers: { "x-webchat-session": client.sessionId } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { messages: ChatLine[] }).messages;
}

describe("through PgBouncer in transaction mode", () => {
  it(`${CONVERSATIONS} conversations at once, two messages each: every message answered exactly once, as the customer's page shows it`, async () => {
    const clients = Array.from({ length: CONVERSATIONS }, () => new WebchatClient(pipeline.baseUrl, "demo"));
    await Promise.all(
      clients.map(async (client, i) => {
        await client.send(`Hi, are you open on Sunday? (${i})`);
        await client.waitForReply(60_000);
        await client.send(`And how much is a sourdough loaf? (${i})`);
        await client.waitForReply(60_000);
      }),
    );
    // Counted at the far end, after the worker has had time to send anything twice.
    await expect.poll(() => pipeline.database.db.outboxEntry.count({ where: { status: { not: "sent" } } }), { timeout: 20_000 }).toBe(0);
    for (const client of clients) {
      const lines = await transcript(client);
      expect(lines.map((l) => l.direction)).toEqual(["inbound", "outbound", "inbound", "outbound"]);
    }
    const answered = await pipeline.database.db.message.count({ where: { direction: "inbound", status: "answered" } });
    expect(answered).toBe(CONVERSATIONS * 2);
  }, 180_000);
});
