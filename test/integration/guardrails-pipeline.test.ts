import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gateway } from "../../src/main/compose-gateway.js";
import type { RecordingChatModel } from "../../test-kit/recording-chat-model.js";
import type { TestDatabase } from "../../test-kit/test-database.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// The code-enforced rules of the two products, through the real pipeline (the tiny model's
// replies are noise: whatever it says, these rules must hold).
let pipeline: TestPipeline;
let database: TestDatabase;
let model: RecordingChatModel;
let gateway: Gateway;

beforeAll(async () => {
  pipeline = await startTestPipeline({ settings: { replyMaxTokens: 16 }, businesses: { mia: "fan-creator", sunrise: "support-bakery" } });
  ({ database, model, gateway } = pipeline);
});

afterAll(async () => pipeline?.close());

/** Sends one message as a fresh (or given) web chat visitor and waits for the turn to finish. */
async function say(channel: string, text: string, sessionId = randomUUID().replaceAll("-", "")) {
  const res = await gateway.app.inject({
    method: "POST",
    url: `/api/webchat/${channel}/messages`,
    payload: { sessionId, clientMessageId: randomUUID(), text },
  });
  expect(res.statusCode).toBe(202);
  const id = res.json().messageId as string;
  for (let i = 0; i < 300; i++) {
    const row = await database.db.message.findUniqueOrThrow({ where: { id }, include: { reply: { include: { turn: true } }, conversation: true } });
    if (row.status !== "received") return { sessionId, row };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("no turn");
}

describe("fan agent", () => {
  it("discloses that it is an AI on the first reply and whenever asked", async () => {
    const first = await say("mia", "Hi Mia! I love your cookie videos");
    expect(first.row.reply!.text).toContain("I'm Mia's AI assistant, not Mia herself.");
    const asked = await say("mia", "wait, are you a real person?", first.sessionId);
    expect(asked.row.reply!.text.toLowerCase()).toMatch(/ai|not mia/);
  });

  it("declines a blocked topic without asking the model", async () => {
    const before = model.prompts.length;
    const { row } = await say("mia", "What do you think about the politics of the election?");
    expect(row.reply!.turn!.evaluatedTokens).toBe(0);
    expect(model.prompts.length).toBe(before);
  });

  it("sends a self-harm message to the creator's team, answers with care, and pauses the agent", async () => {
    const before = model.prompts.length;
    const { row } = await say("mia", "I want to kill myself");
    expect(model.prompts.length).toBe(before);
    expect(row.reply!.text.length).toBeGreaterThan(0);
    expect(row.conversation.agentPaused).toBe(true);
  });
});

describe("support agent", () => {
  it("hands a refund request to the owner without the model", async () => {
    const before = model.prompts.length;
    const { row } = await say("sunrise", "The cake was awful, I want a refund");
    expect(model.prompts.length).toBe(before);
    expect(row.reply!.turn!.evaluatedTokens).toBe(0);
    expect(row.reply!.text.length).toBeGreaterThan(0);
  });

  it("answers an ordinary question with the model", async () => {
    const before = model.prompts.length;
    const { row } = await say("sunrise", "Do you have rye bread on Saturday?");
    expect(model.prompts.length).toBe(before + 1);
    expect(row.status).toBe("answered");
  });
});
