import { afterEach, describe, expect, it, vi } from "vitest";
import type { ChatPrompt } from "../../src/domain/chat-prompt.js";
import { InMemoryWorker } from "../../test-kit/in-memory/in-memory-worker.js";
import { WordChatModel, type WordReply } from "../../test-kit/in-memory/word-chat-model.js";
import { fanPersona, personaFrom, SUPPORT_FRONT_MATTER } from "../../test-kit/persona-fixtures.js";

// handleTurn on the in-memory ports (held to the contracts in test/contract): the turn's decisions
// without PostgreSQL, Redis or a model. The replies leave through the real adapters.
const OWNER_PHONE = "34600000111";
const persona = () => personaFrom(SUPPORT_FRONT_MATTER.replace("to: owner-phone", `to: "+${OWNER_PHONE}"`));

let worker: InMemoryWorker | undefined;
afterEach(async () => worker?.close());

async function start(
  reply?: WordReply,
  options: { contextSize?: number; msPerToken?: number; settings?: object; lockTtlMs?: number; persona?: ReturnType<typeof persona> } = {},
) {
  const model = new WordChatModel(reply, options.contextSize, options.msPerToken);
  worker = await InMemoryWorker.start({ persona: persona(), model, ...options });
  return { w: worker, model };
}

const userTurns = (prompt: ChatPrompt) => prompt.turns.filter((t) => t.role === "user").map((t) => t.text);

describe("a turn answers every pending message once", () => {
  it("asks the model with the persona and the message, stores the reply, sends it, and answers nothing twice", async () => {
    const { w, model } = await start(() => "We open at 8 on Sunday.");
    const { conversationId, messageId } = w.says("visitor-1", "Do you open on Sunday?");
    const outcome = await w.turn(conversationId);
    expect(outcome).toMatchObject({ kind: "answered", answered: 1, restarts: 0 });
    expect(model.prompts).toHaveLength(1);
    const context = (await w.store.loadTurn(conversationId))!;
    expect(model.prompts[0]!.system).toBe((context.persona as { systemPrompt: string }).systemPrompt);
    expect(userTurns(model.prompts[0]!)).toEqual(["Do you open on Sunday?"]);
    expect(w.stored(conversationId)).toEqual([
      ["inbound", "answered", "Do you open on Sunday?"],
      ["outbound", "sent", "We open at 8 on Sunday."],
    ]);
    expect(w.tables.messages.get(messageId)!.replyId).toBe(outcome.kind === "answered" ? outcome.replyId : null);
    expect(w.deliveries).toEqual([{ outcome: "sent" }]);
    expect(w.bus.published).toEqual([{ conversationId, messageId: outcome.kind === "answered" ? outcome.replyId : "" }]);

    expect(await w.turn(conversationId)).toEqual({ kind: "nothing-pending" });
    expect(model.prompts).toHaveLength(1);
  });

  it("answers a burst of messages with one reply, given the earlier exchange", async () => {
    const { w, model } = await start((prompt) => `Noted: ${userTurns(prompt).length} questions so far.`);
    const { conversationId } = w.says("visitor-2", "hi");
    await w.turn(conversationId);
    w.says("visitor-2", "do you bake rye?");
    w.says("visitor-2", "and baguettes?");
    expect(await w.turn(conversationId)).toMatchObject({ kind: "answered", answered: 2 });
    expect(model.prompts[1]!.turns).toEqual([
      { role: "user", text: "hi" },
      { role: "assistant", text: "Noted: 1 questions so far." },
      { role: "user", text: expect.stringMatching(/do you bake rye\?\s+and baguettes\?/) },
    ]);
    expect(w.stored(conversationId).filter(([direction]) => direction === "outbound")).toHaveLength(2);
  });

  it("waits for the debounce: a message too new gets the turn later", async () => {
    const { w, model } = await start(undefined, { settings: { turnDebounceMs: 5000 } });
    const { conversationId } = w.says("visitor-3", "hello");
    const outcome = await w.turn(conversationId);
    expect(outcome).toMatchObject({ kind: "busy", retryInMs: expect.any(Number) });
    expect((outcome as { retryInMs: number }).retryInMs).toBeGreaterThan(4000);
    expect(model.prompts).toHaveLength(0);
  });

  it("is busy while another turn holds the conversation", async () => {
    const { w, model } = await start();
    const { conversationId } = w.says("visitor-4", "hello");
    const lease = await w.lock.tryAcquire(conversationId);
    expect(await w.turn(conversationId)).toEqual({ kind: "busy" });
    await lease!.release();
    expect(await w.turn(conversationId)).toMatchObject({ kind: "answered" });
    expect(model.prompts).toHaveLength(1);
  });

  it("never sends an empty reply: an empty model reply is replaced", async () => {
    const { w } = await start(() => "   ");
    const { conversationId } = w.says("visitor-5", "hello?");
    expect(await w.turn(conversationId)).toMatchObject({ kind: "answered", flagged: expect.any(String) });
    const [direction, status, text] = w.stored(conversationId).at(-1)!;
    expect([direction, status]).toEqual(["outbound", "sent"]);
    expect(text.trim().length).toBeGreaterThan(10);
  });
});

describe("the fence", () => {
  it("a turn whose messages another turn answered meanwhile (its lock lapsed) commits and sends nothing", async () => {
    // The slow turn's lease lapses mid-generation (no renewal in time); a second worker takes the conversation.
    const { w, model } = await start(() => "slow answer ".repeat(20), { msPerToken: 20, lockTtlMs: 50 });
    const { conversationId } = w.says("visitor-6", "are you there?");
    const slow = w.turn(conversationId);
    await vi.waitFor(() => expect(model.prompts).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 60));
    const fast = await w.turn(conversationId, { model: new WordChatModel(() => "Yes, here.") });
    expect(fast).toMatchObject({ kind: "answered", answered: 1 });
    expect(await slow).toEqual({ kind: "fenced" });
    expect(w.stored(conversationId)).toEqual([
      ["inbound", "answered", "are you there?"],
      ["outbound", "sent", "Yes, here."],
    ]);
    expect(w.bus.published).toHaveLength(1);
    expect(w.logs.some((l) => l.msg === "turn fenced: its messages were answered by another turn")).toBe(true);
  });
});

describe("guardrails", () => {
  it("hands a refund request to the owner without the model: the customer is told, the agent pauses, the owner gets a WhatsApp notice", async () => {
    const { w, model } = await start();
    const { conversationId } = w.says("visitor-7", "I want a refund for my cake");
    const outcome = await w.turn(conversationId);
    expect(outcome).toMatchObject({ kind: "answered", decidedBy: "handoff:refund", handoffId: expect.any(String) });
    expect(model.prompts).toHaveLength(0);
    expect(w.stored(conversationId).at(-1)).toEqual(["outbound", "sent", expect.any(String)]);
    expect(w.tables.conversations.get(conversationId)).toMatchObject({ agentPaused: true, pausedBy: "handoff", pausedUntil: null });
    const [notice] = w.graph.received();
    expect(notice!.body).toMatchObject({ to: OWNER_PHONE, text: { body: expect.stringContaining("refund") } });
    // The notice names the conversation, never the customer's words.
    expect(JSON.stringify(notice!.body)).not.toContain("my cake");
    expect([...w.tables.handoffs.values()]).toMatchObject([{ status: "notified", reason: "handoff:refund" }]);

    w.says("visitor-7", "hello?");
    expect(await w.turn(conversationId)).toEqual({ kind: "paused" });
  });

  it("replaces a reply naming a blocklisted competitor, keeps what the model said for the log's reason, sends the replacement", async () => {
    const { w, model } = await start(() => "Try Crusty Corner across the road.");
    const { conversationId } = w.says("visitor-8", "where else can I buy bread?");
    const outcome = await w.turn(conversationId);
    expect(outcome).toMatchObject({ kind: "answered", flagged: expect.stringMatching(/blocklist/) });
    expect(model.prompts).toHaveLength(1);
    const [, status, sent] = w.stored(conversationId)[1]!;
    expect(status).toBe("sent");
    expect(sent).not.toContain("Crusty Corner");
    expect(w.logs.find((l) => l.msg === "guardrails acted on this turn")).toMatchObject({ flagged: expect.stringMatching(/blocklist/) });
  });

  it("a persona that cannot be used never reaches the model: the conversation goes to a person", async () => {
    const { w, model } = await start();
    Object.assign(w.tables.business, { persona: { ...w.tables.business.persona, voice: null } });
    const { conversationId } = w.says("visitor-9", "hi");
    expect(await w.turn(conversationId)).toMatchObject({ kind: "answered", decidedBy: "persona_invalid" });
    expect(model.prompts).toHaveLength(0);
    expect(w.tables.conversations.get(conversationId)).toMatchObject({ agentPaused: true, pausedBy: "persona_invalid" });
  });

  it("answers an owner's quiet time that has ended again, and not one still running", async () => {
    const { w } = await start();
    const { conversationId } = w.says("visitor-10", "hi");
    const conversation = w.tables.conversations.get(conversationId)!;
    Object.assign(conversation, { agentPaused: true, pausedBy: "owner", pausedUntil: new Date(Date.now() + 60_000) });
    expect(await w.turn(conversationId)).toMatchObject({ kind: "paused", resumeInMs: expect.any(Number) });
    conversation.pausedUntil = new Date(Date.now() - 1000);
    expect(await w.turn(conversationId)).toMatchObject({ kind: "answered" });
    expect(conversation.agentPaused).toBe(false);
  });
});

describe("history trimming", () => {
  it("gives the model only the newest turns that fit the context beside the reply, and moves the stored history start forward", async () => {
    // 260 words of context, 24 of them for the reply and ~130 for the persona: a long conversation cannot fit.
    const { w, model } = await start((prompt) => `Reply number ${model.prompts.length} about ${userTurns(prompt).at(-1)}`, { contextSize: 260 });
    const { conversationId } = w.says("visitor-11", "first question about sourdough loaves and their price");
    await w.turn(conversationId);
    for (let i = 2; i <= 8; i++) {
      w.says("visitor-11", `question ${i} about cakes, croissants and opening hours`);
      expect(await w.turn(conversationId)).toMatchObject({ kind: "answered" });
    }
    const last = model.prompts.at(-1)!;
    const budget = 260 - 24;
    expect(await model.countPromptTokens(last)).toBeLessThanOrEqual(budget);
    expect(last.turns[0]!.role).toBe("user");
    expect(userTurns(last).at(-1)).toBe("question 8 about cakes, croissants and opening hours");
    expect(userTurns(last)).not.toContain("first question about sourdough loaves and their price");
    // Whole exchanges were dropped, in order: what is kept is the conversation's newest tail.
    const asked = w
      .stored(conversationId)
      .map(([, , text]) => text)
      .slice(0, -1);
    expect(asked.slice(-last.turns.length)).toEqual(last.turns.map((t) => t.text));
    expect(last.turns.length).toBeLessThan(asked.length);
    // The next turn starts reading where this one's prompt started.
    const history = (await w.store.loadTurn(conversationId))!.history;
    expect(history[0]!.text).toBe(last.turns[0]!.text);
  });
});

describe("a message arriving while the reply is generated", () => {
  it("restart mode: the generation stops and one reply answers both", async () => {
    const { w, model } = await start((prompt) => (userTurns(prompt).at(-1)!.includes("spelt") ? "Both, yes." : "Let me see ".repeat(20)), {
      msPerToken: 20,
    });
    const { conversationId } = w.says("visitor-12", "Do you have rye?");
    const turn = w.turn(conversationId, { interrupt: "restart" });
    await vi.waitFor(() => expect(model.prompts).toHaveLength(1));
    w.says("visitor-12", "And spelt?");
    expect(await turn).toMatchObject({ kind: "answered", answered: 2, restarts: 1 });
    expect(model.prompts).toHaveLength(2);
    expect(w.stored(conversationId).filter(([direction]) => direction === "outbound")).toHaveLength(1);
  });

  it("wait mode: the reply answers what it was asked; the new message waits for the next turn", async () => {
    const { w, model } = await start(() => "Yes we do, every day of the week. ".repeat(3), { msPerToken: 20 });
    const { conversationId } = w.says("visitor-13", "Do you have rye?");
    const turn = w.turn(conversationId);
    await vi.waitFor(() => expect(model.prompts).toHaveLength(1));
    const later = w.says("visitor-13", "And spelt?");
    expect(await turn).toMatchObject({ kind: "answered", answered: 1, restarts: 0 });
    expect((await w.store.loadTurn(conversationId))!.pendingIds).toEqual([later.messageId]);
    expect(await w.turn(conversationId)).toMatchObject({ kind: "answered", answered: 1 });
  });
});

describe("outside opening hours", () => {
  const hh = (offset: number) => `${String((new Date().getUTCHours() + 24 + offset) % 24).padStart(2, "0")}:00`;
  /** Opens two hours from now, for an hour, every day. */
  const closedNow = () => Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [[hh(2), hh(3)]]]));

  it("away mode: the away message once per closed period, without the model; later messages wait for a person or the opening", async () => {
    const { w, model } = await start();
    Object.assign(w.tables.business, { outsideHours: "away", openingHours: closedNow(), awayMessage: "Closed now, back {opens}." });
    const { conversationId } = w.says("visitor-14", "Hi, croissants?");
    expect(await w.turn(conversationId)).toMatchObject({ kind: "away", answered: 1 });
    expect(w.stored(conversationId).at(-1)).toEqual([
      "outbound",
      "sent",
      expect.stringMatching(new RegExp(`^Closed now, back (today|tomorrow) at ${hh(2)}\\.$`)),
    ]);
    const later = w.says("visitor-14", "Hello? Anyone?");
    const outcome = await w.turn(conversationId);
    expect(outcome).toMatchObject({ kind: "waiting", waiting: 1 });
    expect(w.openings).toEqual([(outcome as { until: Date }).until]);
    expect(w.tables.conversations.get(conversationId)!.waitingUntil).toEqual((outcome as { until: Date }).until);
    expect(w.tables.messages.get(later.messageId)!.status).toBe("received");
    expect(w.stored(conversationId).filter(([direction]) => direction === "outbound")).toHaveLength(1);
    expect(model.prompts).toHaveLength(0);
  });
});

describe("a flood of messages (fan persona)", () => {
  it("answers the first flood with a notice, then skips the rest without a reply", async () => {
    const { w, model } = await start(undefined, { persona: fanPersona() });
    let conversationId = "";
    for (let i = 1; i <= 6; i++) ({ conversationId } = w.says("fan-1", `hey ${i}`));
    expect(await w.turn(conversationId)).toMatchObject({ kind: "answered", decidedBy: "flood", answered: 6 });
    const more = [w.says("fan-1", "hey 7"), w.says("fan-1", "hey 8")];
    expect(await w.turn(conversationId)).toEqual({ kind: "skipped", reason: "flood", skipped: 2 });
    expect(more.map((m) => w.tables.messages.get(m.messageId)!.status)).toEqual(["skipped", "skipped"]);
    expect(w.stored(conversationId).filter(([direction]) => direction === "outbound")).toHaveLength(1);
    expect(model.prompts).toHaveLength(0);
  });
});
