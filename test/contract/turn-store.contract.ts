import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SaveReplyInput } from "../../src/ports/turn-store.js";
import type { TurnStorage } from "./turn-storage.js";

/**
 * What the turn path relies on from TurnStore, for every implementation: the read of a turn, the
 * fence (a reply commits only while all its messages are unanswered, else nothing is written), the
 * history start that only moves forward, handoffs recorded with the reply, pauses that end.
 */
export function turnStoreContract(name: string, open: () => Promise<TurnStorage>): void {
  describe(`TurnStore contract: ${name}`, () => {
    let s: TurnStorage;
    let webchat: string;
    beforeAll(async () => {
      s = await open();
      webchat = (await s.addChannel("webchat")).id;
    });
    afterAll(async () => s?.close());

    const customer = () => `visitor-${randomUUID()}`;
    const reply = (conversationId: string, answeredIds: readonly string[], text = "We open at 8.", historyStartSeq = 0n): SaveReplyInput => {
      const now = new Date();
      return {
        conversationId,
        businessId: "unused-by-the-fence",
        channelId: webchat,
        answeredIds,
        text,
        historyStartSeq,
        stats: {
          worker: "contract",
          promptTokens: 9,
          evaluatedTokens: 9,
          generatedTokens: 4,
          startedAt: now,
          generationStartedAt: now,
          generationEndedAt: now,
        },
      };
    };
    const save = async (input: SaveReplyInput) => {
      const context = (await s.turns.loadTurn(input.conversationId))!;
      return s.turns.saveReply({ ...input, businessId: context.businessId });
    };

    it("is null for a conversation that does not exist", async () => {
      expect(await s.turns.loadTurn(randomUUID())).toBeNull();
    });

    it("reads the conversation's channel, recipient, valid persona, activity, and its messages in storage order, unanswered ones pending", async () => {
      const who = customer();
      const a = await s.customerSays(webchat, who, "hi");
      const b = await s.customerSays(webchat, who, "do you open on sunday?");
      const context = (await s.turns.loadTurn(a.conversationId))!;
      expect(context).toMatchObject({
        conversationId: a.conversationId,
        agentPaused: false,
        channel: { id: webchat, kind: "webchat" },
        recipientId: who,
        persona: { status: "valid", systemPrompt: expect.stringContaining("Sunrise Bakery") },
        settings: { turnDebounceMs: 0 },
        activity: { lastDay: 2, lastMinute: 2, noReplyYet: true },
        pendingIds: [a.messageId, b.messageId],
      });
      expect(context.history.map((m) => [m.id, m.direction, m.status, m.text])).toEqual([
        [a.messageId, "inbound", "received", "hi"],
        [b.messageId, "inbound", "received", "do you open on sunday?"],
      ]);
      expect(context.history[0]!.seq < context.history[1]!.seq).toBe(true);
    });

    it("saves a reply: the messages answered by it, the reply pending in the history, its outbox entry claimable", async () => {
      const who = customer();
      const a = await s.customerSays(webchat, who, "hi");
      const saved = (await save(reply(a.conversationId, [a.messageId], "Hello!")))!;
      expect(saved).toMatchObject({ replyId: expect.any(String), outboxId: expect.any(String) });
      expect(saved.handoff).toBeUndefined();
      const context = (await s.turns.loadTurn(a.conversationId))!;
      expect(context.pendingIds).toEqual([]);
      expect(context.activity.noReplyYet).toBe(false);
      expect(context.history.map((m) => [m.id, m.direction, m.status, m.replyId])).toEqual([
        [a.messageId, "inbound", "answered", saved.replyId],
        [saved.replyId, "outbound", "pending", null],
      ]);
      expect(await s.outbox.claim(saved.outboxId)).toMatchObject({ messageId: saved.replyId, text: "Hello!", recipientId: who, attempt: 1 });
    });

    it("the fence: a reply to a message answered meanwhile writes nothing, not even for the other messages", async () => {
      const who = customer();
      const a = await s.customerSays(webchat, who, "one");
      expect(await save(reply(a.conversationId, [a.messageId], "first answer"))).not.toBeNull();
      const b = await s.customerSays(webchat, who, "two");
      const before = (await s.turns.loadTurn(a.conversationId))!;
      expect(await save(reply(a.conversationId, [a.messageId, b.messageId], "second answer"))).toBeNull();
      const after = (await s.turns.loadTurn(a.conversationId))!;
      expect(after.history).toEqual(before.history);
      expect(after.pendingIds).toEqual([b.messageId]);
    });

    it("the fence: of two turns answering the same messages at once, exactly one commits", async () => {
      const who = customer();
      const a = await s.customerSays(webchat, who, "race");
      const results = await Promise.all([1, 2, 3].map((n) => save(reply(a.conversationId, [a.messageId], `answer ${n}`))));
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      const context = (await s.turns.loadTurn(a.conversationId))!;
      expect(context.history.filter((m) => m.direction === "outbound")).toHaveLength(1);
    });

    it("the fence: skipped or failed messages cannot be answered; skip and fail touch only unanswered messages", async () => {
      const who = customer();
      const a = await s.customerSays(webchat, who, "spam");
      const b = await s.customerSays(webchat, who, "more spam");
      await s.turns.skipInbound([a.messageId], "flood");
      await s.turns.markInboundFailed([b.messageId], "broken");
      expect(await save(reply(a.conversationId, [a.messageId]))).toBeNull();
      expect(await save(reply(a.conversationId, [b.messageId]))).toBeNull();
      const c = await s.customerSays(webchat, who, "a real question");
      const saved = (await save(reply(a.conversationId, [c.messageId])))!;
      await s.turns.skipInbound([c.messageId], "too late");
      const context = (await s.turns.loadTurn(a.conversationId))!;
      // Skipped and failed messages leave the history; the answered one stays answered.
      expect(context.history.map((m) => [m.id, m.status])).toEqual([
        [c.messageId, "answered"],
        [saved.replyId, "pending"],
      ]);
      expect(context.activity.lastDay).toBe(3);
    });

    it("writes nothing for a conversation that does not exist", async () => {
      expect(await s.turns.saveReply({ ...reply(randomUUID(), [randomUUID()]), businessId: randomUUID() })).toBeNull();
    });

    it("the history starts at the newest start a reply gave, never moving back", async () => {
      const who = customer();
      const a = await s.customerSays(webchat, who, "first");
      const first = (await s.turns.loadTurn(a.conversationId))!.history[0]!;
      const r1 = (await save(reply(a.conversationId, [a.messageId], "one", first.seq)))!;
      const b = await s.customerSays(webchat, who, "second");
      const bSeq = (await s.turns.loadTurn(a.conversationId))!.history.find((m) => m.id === b.messageId)!.seq;
      const r2 = (await save(reply(a.conversationId, [b.messageId], "two", bSeq)))!;
      const c = await s.customerSays(webchat, who, "third");
      await save(reply(a.conversationId, [c.messageId], "three", first.seq));
      const ids = (await s.turns.loadTurn(a.conversationId))!.history.map((m) => m.id);
      expect(ids).not.toContain(a.messageId);
      expect(ids).not.toContain(r1.replyId);
      expect(ids.slice(0, 3)).toEqual([b.messageId, r2.replyId, c.messageId]);
    });

    it("stores a reply holding NUL without it", async () => {
      const a = await s.customerSays(webchat, customer(), "nul");
      const saved = (await save(reply(a.conversationId, [a.messageId], "a\u0000b")))!;
      expect(await s.outbox.claim(saved.outboxId)).toMatchObject({ text: "ab" });
    });

    it("tells the seq of the newest unanswered message, null when none is", async () => {
      const who = customer();
      const a = await s.customerSays(webchat, who, "x");
      const b = await s.customerSays(webchat, who, "y");
      const seqs = (await s.turns.loadTurn(a.conversationId))!.history.map((m) => m.seq);
      expect(await s.turns.newestPendingSeq(a.conversationId)).toBe(seqs[1]);
      await save(reply(a.conversationId, [a.messageId, b.messageId]));
      expect(await s.turns.newestPendingSeq(a.conversationId)).toBeNull();
    });

    it("ends a pause whose end has passed, unless it was extended or has not passed", async () => {
      const a = await s.customerSays(webchat, customer(), "hello?");
      const past = new Date(Date.now() - 60_000);
      const future = new Date(Date.now() + 60_000);
      await s.pause(a.conversationId, future);
      expect(await s.turns.resumeExpiredPause(a.conversationId, future)).toBe(false);
      await s.pause(a.conversationId, past);
      // Read with an older end, then extended: still paused.
      expect(await s.turns.resumeExpiredPause(a.conversationId, new Date(past.getTime() - 1000))).toBe(false);
      expect((await s.turns.loadTurn(a.conversationId))!).toMatchObject({ agentPaused: true, pausedUntil: past });
      expect(await s.turns.resumeExpiredPause(a.conversationId, past)).toBe(true);
      expect((await s.turns.loadTurn(a.conversationId))!).toMatchObject({ agentPaused: false, pausedUntil: null });
      await s.pause(a.conversationId, null);
      expect(await s.turns.resumeExpiredPause(a.conversationId, past)).toBe(false);
    });

    describe("a reply that hands the conversation to a person", () => {
      const handoff = (notify: string) => ({
        reason: "handoff:refund",
        notify,
        pausedBy: "handoff" as const,
        noticeText: "Handoff (refund): open the console",
      });

      it("pauses the agent until a person resumes it; an owner on the console only is notified at once", async () => {
        const a = await s.customerSays(webchat, customer(), "I want a refund");
        // A quiet time that would end by itself becomes a pause without an end.
        await s.pause(a.conversationId, new Date(Date.now() + 60_000));
        const saved = (await save({ ...reply(a.conversationId, [a.messageId]), handoff: handoff("admin:team") }))!;
        expect(saved.handoff).toEqual({ id: expect.any(String), status: "notified" });
        expect((await s.turns.loadTurn(a.conversationId))!).toMatchObject({ agentPaused: true, pausedUntil: null });
        expect(await s.outbox.claim(saved.outboxId)).toMatchObject({ text: "We open at 8." });
      });

      it("stores the owner's notice on the business's channel of the owner's kind, to the owner's address", async () => {
        const whatsapp = await s.addChannel("whatsapp_cloud");
        const a = await s.customerSays(webchat, customer(), "I want a refund");
        const saved = (await save({ ...reply(a.conversationId, [a.messageId]), handoff: handoff("whatsapp_cloud:+34 600 000 111") }))!;
        expect(saved.handoff).toEqual({ id: expect.any(String), status: "pending", noticeOutboxId: expect.any(String) });
        const notice = await s.outbox.claim(saved.handoff!.noticeOutboxId!);
        expect(notice).toMatchObject({
          channel: { id: whatsapp.id, kind: "whatsapp_cloud" },
          recipientId: "34600000111",
          text: "Handoff (refund): open the console",
        });
        // The owner's conversation never gets the agent: it is paused there.
        expect((await s.turns.loadTurn((notice as { conversationId: string }).conversationId))!.agentPaused).toBe(true);
      });

      it("fails the handoff when the business has no channel of the owner's kind; the reply is still stored", async () => {
        const a = await s.customerSays(webchat, customer(), "I want a refund");
        const saved = (await save({ ...reply(a.conversationId, [a.messageId]), handoff: handoff("instagram:owner") }))!;
        expect(saved.handoff).toEqual({ id: expect.any(String), status: "failed" });
        expect(await s.outbox.claim(saved.outboxId)).not.toBeNull();
      });

      it("records nothing, pauses nothing, when the fence stops the reply", async () => {
        const a = await s.customerSays(webchat, customer(), "refund please");
        await save(reply(a.conversationId, [a.messageId]));
        expect(await save({ ...reply(a.conversationId, [a.messageId]), handoff: handoff("admin:team") })).toBeNull();
        expect((await s.turns.loadTurn(a.conversationId))!.agentPaused).toBe(false);
      });
    });
  });
}
