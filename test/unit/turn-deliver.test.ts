import { afterEach, describe, expect, it } from "vitest";
import { deliverReply, MAX_RETRY_AFTER_MS } from "../../src/app/turn/deliver-reply.js";
import { InMemoryWorker } from "../../test-kit/in-memory/in-memory-worker.js";
import { WordChatModel } from "../../test-kit/in-memory/word-chat-model.js";
import { supportPersona } from "../../test-kit/persona-fixtures.js";

// deliverReply's decisions on the in-memory outbox (held to test/contract/outbox-store.contract.ts),
// through the real WhatsApp Cloud adapter against the fake Graph API on loopback, and the real web
// chat adapter over the in-memory reply bus: what the phone got, counted at the fake platform.
let worker: InMemoryWorker | undefined;
afterEach(async () => worker?.close());

async function start() {
  worker = await InMemoryWorker.start({ persona: supportPersona(), model: new WordChatModel(() => "Fresh bread from 7.") });
  return worker;
}

/** A customer's question answered by a turn, the reply stored but not sent yet: its outbox entry. */
async function storedReply(w: InMemoryWorker, channel: { id: string }, who = `3460${Math.floor(Math.random() * 1e7)}`) {
  const { conversationId } = w.says(who, "When do you open?", channel);
  const outcome = await w.turn(conversationId, { deliver: async () => undefined });
  if (outcome.kind !== "answered") throw new Error(`no reply stored: ${outcome.kind}`);
  return { outboxId: outcome.outboxId, replyId: outcome.replyId, conversationId };
}

const send = (w: InMemoryWorker, outboxId: string) => deliverReply(w.delivery, outboxId);
const entry = (w: InMemoryWorker, outboxId: string) => w.tables.outbox.get(outboxId)!;

describe("WhatsApp Cloud", () => {
  it("sends the reply once, marks the customer's message read once, records the platform's id", async () => {
    const w = await start();
    const r = await storedReply(w, w.whatsapp);
    expect(await send(w, r.outboxId)).toEqual({ outcome: "sent" });
    expect(w.graph.received().map((q) => (q.body as { text: { body: string } }).text.body)).toEqual(["Fresh bread from 7."]);
    expect(w.graph.readReceipts()).toHaveLength(1);
    expect(w.tables.messages.get(r.replyId)).toMatchObject({ status: "sent", platformMessageId: w.graph.received()[0]!.responseId });
    expect(await send(w, r.outboxId)).toEqual({ outcome: "not-pending" });
    expect(w.graph.received()).toHaveLength(1);
  });

  it("a throttled send (429) is put back to be sent no sooner than Retry-After, then sent once, read marked once", async () => {
    const w = await start();
    const r = await storedReply(w, w.whatsapp);
    w.graph.failNext(1, { status: 429, retryAfter: "7" }, "send");
    expect(await send(w, r.outboxId)).toEqual({ outcome: "retry", retryInMs: 7000 });
    expect(entry(w, r.outboxId)).toMatchObject({ status: "pending", readMarked: true, lastError: expect.stringMatching(/429/) });
    expect(await send(w, r.outboxId)).toEqual({ outcome: "sent" });
    expect(w.graph.received()).toHaveLength(1);
    expect(w.graph.readReceipts()).toHaveLength(1);
  });

  it("caps a Retry-After beyond the longest wait", async () => {
    const w = await start();
    const r = await storedReply(w, w.whatsapp);
    w.graph.failNext(1, { status: 429, retryAfter: "86400" }, "send");
    expect(await send(w, r.outboxId)).toEqual({ outcome: "retry", retryInMs: MAX_RETRY_AFTER_MS });
  });

  it("a 5xx may have reached the phone: failed as UNKNOWN_OUTCOME, never sent again", async () => {
    const w = await start();
    const r = await storedReply(w, w.whatsapp);
    w.graph.failNext(1, { status: 500, processed: true }, "send");
    expect(await send(w, r.outboxId)).toEqual({ outcome: "failed" });
    expect(entry(w, r.outboxId)).toMatchObject({ status: "failed", lastError: expect.stringMatching(/^UNKNOWN_OUTCOME/) });
    expect(await send(w, r.outboxId)).toEqual({ outcome: "not-pending" });
    expect(w.graph.received()).toHaveLength(1);
  });

  it("a refused message (4xx) fails at once, without a retry", async () => {
    const w = await start();
    const r = await storedReply(w, w.whatsapp);
    w.graph.failNext(1, { status: 400, body: { error: { message: "Invalid parameter", code: 100 } } }, "send");
    expect(await send(w, r.outboxId)).toEqual({ outcome: "failed" });
    expect(entry(w, r.outboxId)).toMatchObject({ status: "failed", attempts: 1, lastError: expect.not.stringMatching(/UNKNOWN_OUTCOME/) });
    expect(w.graph.received()).toHaveLength(0);
  });

  it("a later reply of the conversation waits while an earlier one is put back", async () => {
    const w = await start();
    const who = "34600999888";
    const first = await storedReply(w, w.whatsapp, who);
    const second = await storedReply(w, w.whatsapp, who);
    w.graph.failNext(1, { status: 429 }, "send");
    expect(await send(w, first.outboxId)).toMatchObject({ outcome: "retry" });
    expect(await send(w, second.outboxId)).toEqual({ outcome: "waiting" });
    expect(await send(w, first.outboxId)).toEqual({ outcome: "sent" });
    expect(await send(w, second.outboxId)).toEqual({ outcome: "sent" });
    expect(w.graph.received()).toHaveLength(2);
  });
});

describe("web chat", () => {
  it("a failed publish is repeated (the page drops a repeat by id) until the attempts run out", async () => {
    const w = await start();
    const r = await storedReply(w, w.webchat);
    w.bus.failPublishes(3);
    expect(await send(w, r.outboxId)).toEqual({ outcome: "retry" });
    expect(await send(w, r.outboxId)).toEqual({ outcome: "retry" });
    expect(await send(w, r.outboxId)).toEqual({ outcome: "failed" });
    expect(entry(w, r.outboxId)).toMatchObject({ status: "failed", attempts: 3, lastError: expect.not.stringMatching(/UNKNOWN_OUTCOME/) });
  });

  it("the same failure on WhatsApp is not repeated: the platform may have taken it", async () => {
    const w = await start();
    const r = await storedReply(w, w.whatsapp);
    w.graph.failNext(1, { drop: true, processed: true }, "send");
    expect(await send(w, r.outboxId)).toEqual({ outcome: "failed" });
    expect(entry(w, r.outboxId).lastError).toMatch(/^UNKNOWN_OUTCOME/);
    expect(w.graph.received()).toHaveLength(1);
  });

  it("sends on the first try: the page is told the reply's id", async () => {
    const w = await start();
    const r = await storedReply(w, w.webchat);
    expect(await send(w, r.outboxId)).toEqual({ outcome: "sent" });
    expect(w.bus.published).toContainEqual({ conversationId: r.conversationId, messageId: r.replyId });
  });
});

it("a reply on a channel this worker has no adapter for fails with the reason", async () => {
  const w = await start();
  const r = await storedReply(w, w.tables.addChannel("instagram"));
  expect(await send(w, r.outboxId)).toEqual({ outcome: "failed" });
  expect(entry(w, r.outboxId).lastError).toMatch(/no adapter for channel kind instagram/);
});
