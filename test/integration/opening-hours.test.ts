import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebchatClient } from "../../src/main/webchat-client.js";
import type { RecordingChatModel } from "../../test-kit/recording-chat-model.js";
import type { TestDatabase } from "../../test-kit/test-database.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// Opening hours through the whole pipeline (gateway, queue, worker, tiny model, web chat adapter),
// on the real clock: schedules are set relative to now, in UTC, with an hour or more to spare.
let pipeline: TestPipeline;
let database: TestDatabase;
let model: RecordingChatModel;
let baseUrl: string;
let businessId: string;

const hh = (offset: number) => `${String((new Date().getUTCHours() + 24 + offset) % 24).padStart(2, "0")}:00`;
const everyDay = (range: [string, string]) => Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [range]]));
/** Opens two hours from now, for an hour, every day. */
const closedNow = () => everyDay([hh(2), hh(3)]);
/** From an hour ago until two hours from now, every day. */
const openNow = () => everyDay([hh(-1), hh(2)]);
const AWAY = "We're closed now, back {opens}. Leave your question here!";

beforeAll(async () => {
  pipeline = await startTestPipeline({ settings: { replyMaxTokens: 12 }, businesses: { demo: "support-bakery" } });
  ({ database, model, baseUrl } = pipeline);
  businessId = (await database.db.business.findUniqueOrThrow({ where: { slug: "demo" } })).id;
});

afterAll(async () => pipeline?.close());

async function setHours(data: { openingHours: object | null; outsideHours: "answer" | "away"; awayMessage?: string | null }) {
  await database.db.business.update({
    where: { id: businessId },
    data: { timezone: "UTC", awayMessage: AWAY, ...data, openingHours: data.openingHours ?? undefined },
  });
  if (data.openingHours === null) await database.db.$executeRaw`UPDATE "Business" SET "openingHours" = NULL WHERE id = ${businessId}::uuid`;
}

/** Waits until the worker has dealt with the message (it is no longer "received"). */
async function settled(messageId: string) {
  for (let i = 0; i < 600; i++) {
    const row = await database.db.message.findUniqueOrThrow({
      where: { id: messageId },
      include: { reply: { include: { turn: true, outbox: true } }, conversation: true },
    });
    if (row.status !== "received") return row;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the message was never handled");
}

async function sentStatus(replyId: string) {
  for (let i = 0; i < 100; i++) {
    const row = await database.db.message.findUniqueOrThrow({ where: { id: replyId } });
    if (row.status !== "pending") return row.status;
    await new Promise((r) => setTimeout(r, 100));
  }
  return "pending";
}

describe("outside opening hours", () => {
  it("closed + away: the customer gets the away message with the next opening, not a model reply; the next message in the same closed period waits for a person or the opening", async () => {
    await setHours({ openingHours: closedNow(), outsideHours: "away" });
    const promptsBefore = model.prompts.length;
    const client = new WebchatClient(baseUrl, "demo");
    const firstId = await client.send("Hi, do you have croissants?");
    const reply = await client.waitForReply(60_000);
    expect(reply.text).toMatch(new RegExp(`^We're closed now, back (today|tomorrow) at ${hh(2)}\\. Leave your question here!$`));

    const first = await settled(firstId);
    expect(first.status).toBe("answered");
    expect(first.replyId).toBe(reply.id);
    expect(first.reply!.turn!.evaluatedTokens).toBe(0);
    expect(first.conversation.awaySentAt).not.toBeNull();
    expect(await sentStatus(reply.id)).toBe("sent");
    expect(model.prompts.length).toBe(promptsBefore);

    const secondId = await client.send("Hello? Anyone there?");
    await expect
      .poll(
        async () =>
          (await database.db.message.findUniqueOrThrow({ where: { id: secondId }, include: { conversation: true } })).conversation.waitingUntil,
        { timeout: 30_000 },
      )
      .not.toBeNull();
    const second = await database.db.message.findUniqueOrThrow({ where: { id: secondId }, include: { conversation: true } });
    expect(second.status).toBe("received");
    expect(second.replyId).toBeNull();
    expect(second.conversation.waitingUntil!.toISOString()).toMatch(new RegExp(`T${hh(2)}:00.000Z$`));
    // Nothing more went out in this conversation, and the model was never asked.
    const outbound = await database.db.message.count({ where: { conversationId: second.conversationId, direction: "outbound" } });
    expect(outbound).toBe(1);
    expect(model.prompts.length).toBe(promptsBefore);
    const seen = await (await fetch(`${baseUrl}/api/webchat/demo/sessions/${client.sessionId}/messages`)).json();
    expect((seen as { messages: { direction: string }[] }).messages.filter((m) => m.direction === "outbound")).toHaveLength(1);

    // Another customer in the same closed period gets their own away message.
    const other = new WebchatClient(baseUrl, "demo");
    await other.send("Are you open today?");
    expect((await other.waitForReply(60_000)).text).toMatch(/^We're closed now, back/);
  });

  it("closed + away with no away message written: a default text with the next opening", async () => {
    await setHours({ openingHours: closedNow(), outsideHours: "away", awayMessage: null });
    const client = new WebchatClient(baseUrl, "demo");
    await client.send("Hello");
    const reply = await client.waitForReply(60_000);
    expect(reply.text).toContain(`We open again`);
    expect(reply.text).toContain(`at ${hh(2)}`);
  });

  it("closed but set to keep answering: a model reply", async () => {
    await setHours({ openingHours: closedNow(), outsideHours: "answer" });
    const promptsBefore = model.prompts.length;
    const client = new WebchatClient(baseUrl, "demo");
    const id = await client.send("Do you bake rye bread?");
    const row = await settled(id);
    expect(row.status).toBe("answered");
    expect(model.prompts.length).toBe(promptsBefore + 1);
    expect(row.reply!.text).not.toMatch(/closed now/);
    expect(row.conversation.awaySentAt).toBeNull();
  });

  it("open by the schedule, or with no schedule (always open): a model reply even in away mode", async () => {
    for (const openingHours of [openNow(), null]) {
      await setHours({ openingHours, outsideHours: "away" });
      const promptsBefore = model.prompts.length;
      const client = new WebchatClient(baseUrl, "demo");
      const id = await client.send("What time do you close?");
      const row = await settled(id);
      expect(row.status).toBe("answered");
      expect(model.prompts.length).toBe(promptsBefore + 1);
      expect(row.reply!.turn!.generatedTokens).toBeGreaterThan(0);
      expect(row.conversation.awaySentAt).toBeNull();
    }
  });
});
