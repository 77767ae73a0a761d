import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestFrom } from "../../test-kit/loopback-client.js";
import { AppendingChatModel } from "../../test-kit/appending-chat-model.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// Issue #14 (7): input that once made the gateway answer 500 or the worker retry a whole
// generation, through the whole system (gateway, worker on the tiny model, PostgreSQL, Redis).
let pipeline: TestPipeline;

beforeAll(async () => {
  pipeline = await startTestPipeline({
    settings: { replyMaxTokens: 8 },
    businesses: { "shop-i": "support-bakery" },
    // The real model's reply, with a NUL character (and a lone surrogate) when the customer asks for one.
    wrapModel: (real) => new AppendingChatModel(real, [["nul please", () => "tail\u0000end \ud800!"]]),
  });
}, 120_000);

afterAll(async () => {
  await pipeline?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const post = (body: Record<string, unknown>) =>
  requestFrom("127.0.0.1", `${pipeline.baseUrl}/api/webchat/shop-i/messages`, {
    body: { sessionId: randomUUID().replaceAll("-", ""), clientMessageId: randomUUID(), text: "hello", ...body },
  });

describe("hostile input", () => {
  it("a name with NUL, control characters or a lone surrogate is stored cleaned, never a 500", async () => {
    for (const [name, stored] of [
      ["Ana\u0000Lucía", "AnaLucía"],
      ["\ud800Bob", "\ufffdBob"],
      ["Eve\u001b[31m\u0007", "Eve[31m"],
      ["\u0000\u0000", null],
    ] as const) {
      const res = await post({ name });
      expect(res.status, res.body).toBe(202);
      const { messageId } = JSON.parse(res.body) as { messageId: string };
      const message = await pipeline.database.db.message.findUniqueOrThrow({
        where: { id: messageId },
        select: { conversation: { select: { contact: { select: { displayName: true } } } } },
      });
      expect(message.conversation.contact.displayName).toBe(stored);
    }
    // Text with them too: stored cleaned; a text that is nothing but them is a 400 naming the field.
    const res = await post({ text: "hi\u0000 there \udc00" });
    expect(res.status).toBe(202);
    const empty = await post({ text: "\u0000\u0001" });
    expect(empty.status).toBe(400);
    expect(JSON.parse(empty.body).error.code).toBe("TEXT_EMPTY");
  });

  it("a model reply holding NUL is stored cleaned and sent once: no failed transaction, no generation retried", async () => {
    const res = await post({ text: "nul please" });
    expect(res.status).toBe(202);
    const { messageId } = JSON.parse(res.body) as { messageId: string };
    let reply: { text: string; status: string } | null = null;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && !reply; await sleep(30)) {
      const m = await pipeline.database.db.message.findUniqueOrThrow({
        where: { id: messageId },
        select: { status: true, error: true, reply: { select: { text: true, status: true } } },
      });
      expect(m.status).not.toBe("failed");
      reply = m.reply;
    }
    expect(reply).not.toBeNull();
    expect(reply!.text).toContain("tailend \ufffd!");
    expect(reply!.text).not.toContain("\u0000");
    // One generation for the one turn: the reply transaction did not fail and send the turn back.
    expect(pipeline.model.prompts.filter((p) => p.turns.at(-1)?.text.includes("nul please"))).toHaveLength(1);
  }, 90_000);
});
