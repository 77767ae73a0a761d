import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClaimedDelivery } from "../../src/ports/outbox-store.js";
import type { TurnStorage } from "./turn-storage.js";

/**
 * What deliverReply relies on from OutboxStore, for every implementation: an entry is claimed
 * once before it is sent, replies of a conversation leave in order, a send put back resumes where
 * it stopped, the platform's acceptance is recorded once and wins over a failure.
 */
export function outboxStoreContract(name: string, open: () => Promise<TurnStorage>): void {
  describe(`OutboxStore contract: ${name}`, () => {
    let s: TurnStorage;
    let channelId: string;
    beforeAll(async () => {
      s = await open();
      channelId = (await s.addChannel("whatsapp_cloud")).id;
    });
    afterAll(async () => s?.close());

    /** A customer's messages answered by one stored reply: its outbox entry. */
    async function answered(who: string, ...texts: string[]) {
      const said = [];
      for (const text of texts) said.push(await s.customerSays(channelId, who, text, { platformMessageId: `wamid.${text}-${who}` }));
      const conversationId = said[0]!.conversationId;
      const context = (await s.turns.loadTurn(conversationId))!;
      const now = new Date();
      const saved = (await s.turns.saveReply({
        conversationId,
        businessId: context.businessId,
        channelId,
        answeredIds: said.map((m) => m.messageId),
        text: `reply to ${texts.join(", ")}`,
        historyStartSeq: 0n,
        stats: {
          worker: "contract",
          promptTokens: 1,
          evaluatedTokens: 1,
          generatedTokens: 1,
          startedAt: now,
          generationStartedAt: now,
          generationEndedAt: now,
        },
      }))!;
      return { ...saved, conversationId, said };
    }
    const customer = () => `${Math.floor(Math.random() * 1e12)}`;
    const replyIn = async (conversationId: string, replyId: string) =>
      (await s.turns.loadTurn(conversationId))!.history.find((m) => m.id === replyId);

    it("claims a pending entry once: what to send, to whom, on which channel", async () => {
      const who = customer();
      const r = await answered(who, "hi");
      const first = await s.outbox.claim(r.outboxId);
      expect(first).toMatchObject({
        outboxId: r.outboxId,
        attempt: 1,
        conversationId: r.conversationId,
        messageId: r.replyId,
        recipientId: who,
        text: "reply to hi",
        channel: { id: channelId, kind: "whatsapp_cloud" },
        sentPlatformMessageIds: [],
        readMarked: false,
      });
      expect((first as ClaimedDelivery).partsSent ?? 0).toBe(0);
      expect(await s.outbox.claim(r.outboxId)).toBeNull();
      expect(await s.outbox.claim(randomUUID())).toBeNull();
    });

    it("names the newest message the reply answers (to mark it read), not one that came after it", async () => {
      const who = customer();
      const r = await answered(who, "one", "two");
      await s.customerSays(channelId, who, "three");
      const claimed = (await s.outbox.claim(r.outboxId)) as ClaimedDelivery;
      const three = (await s.turns.loadTurn(r.conversationId))!.history.at(-1)!;
      expect(claimed.inboundPlatformMessageId).toBe(`wamid.two-${who}`);
      // When the customer last wrote (a platform's 24-hour window counts from it): the newest message.
      expect(claimed.lastInboundAt).toEqual(three.createdAt);
      // Claimed again after a retry: the same message.
      await s.outbox.release(r.outboxId, "throttled");
      expect(((await s.outbox.claim(r.outboxId)) as ClaimedDelivery).inboundPlatformMessageId).toBe(claimed.inboundPlatformMessageId);
    });

    it("a released entry is claimed again from where its send stopped", async () => {
      const r = await answered(customer(), "long question");
      await s.outbox.claim(r.outboxId);
      await s.outbox.release(r.outboxId, "PlatformTransportError: 429", { partsSent: 1, platformMessageIds: ["wamid.part1"], readMarked: true });
      expect(await s.outbox.claim(r.outboxId)).toMatchObject({ attempt: 2, partsSent: 1, sentPlatformMessageIds: ["wamid.part1"], readMarked: true });
    });

    it("release puts back only an entry being sent", async () => {
      const r = await answered(customer(), "q");
      await s.outbox.claim(r.outboxId);
      await s.outbox.markSent(r.outboxId, [`wamid.sent-${randomUUID()}`]);
      await s.outbox.release(r.outboxId, "late retry");
      expect(await s.outbox.claim(r.outboxId)).toBeNull();
      expect(await replyIn(r.conversationId, r.replyId)).toMatchObject({ status: "sent" });
    });

    it("a conversation's replies leave in order: a later one waits while an earlier one is pending or being sent", async () => {
      const who = customer();
      const first = await answered(who, "first");
      const second = await answered(who, "second");
      expect(await s.outbox.claim(second.outboxId)).toBe("waiting");
      await s.outbox.claim(first.outboxId);
      expect(await s.outbox.claim(second.outboxId)).toBe("waiting");
      await s.outbox.release(first.outboxId, "throttled");
      expect(await s.outbox.claim(second.outboxId)).toBe("waiting");
      await s.outbox.claim(first.outboxId);
      await s.outbox.markSent(first.outboxId, [`wamid.${randomUUID()}`]);
      expect(await s.outbox.claim(second.outboxId)).toMatchObject({ messageId: second.replyId, attempt: 1 });
      // Another customer's reply never waits for this conversation.
      const other = await answered(customer(), "elsewhere");
      expect(await s.outbox.claim(other.outboxId)).toMatchObject({ messageId: other.replyId });
    });

    it("a failed earlier reply does not hold the later ones back", async () => {
      const who = customer();
      const first = await answered(who, "first");
      const second = await answered(who, "second");
      await s.outbox.claim(first.outboxId);
      await s.outbox.markFailed(first.outboxId, "PlatformRejectedError: 400");
      expect(await s.outbox.claim(second.outboxId)).toMatchObject({ messageId: second.replyId });
    });

    it("records a send once (idempotent); the reply shows as sent", async () => {
      const r = await answered(customer(), "q");
      await s.outbox.claim(r.outboxId);
      const id = `wamid.${randomUUID()}`;
      expect(await s.outbox.markSent(r.outboxId, [id])).toEqual({ keptApart: [] });
      expect(await s.outbox.markSent(r.outboxId, [id])).toEqual({ keptApart: [] });
      expect(await replyIn(r.conversationId, r.replyId)).toMatchObject({ status: "sent" });
      expect(await s.outbox.markSent(randomUUID(), [id])).toBeUndefined();
    });

    it("a failure drops the reply from the history; the platform's acceptance recorded after it wins", async () => {
      const r = await answered(customer(), "q");
      await s.outbox.claim(r.outboxId);
      await s.outbox.markFailed(r.outboxId, "UNKNOWN_OUTCOME: the platform may have taken the reply", {
        partsSent: 0,
        platformMessageIds: [],
        readMarked: true,
      });
      expect(await s.outbox.claim(r.outboxId)).toBeNull();
      expect(await replyIn(r.conversationId, r.replyId)).toBeUndefined();
      expect((await s.turns.loadTurn(r.conversationId))!.activity.noReplyYet).toBe(true);
      expect(await s.outbox.markSent(r.outboxId, [`wamid.${randomUUID()}`])).toEqual({ keptApart: [] });
      expect(await replyIn(r.conversationId, r.replyId)).toMatchObject({ status: "sent" });
    });

    it("a platform id another message already holds is kept apart, and the send is still recorded", async () => {
      const a = await answered(customer(), "a");
      const b = await answered(customer(), "b");
      const repeated = `wamid.${randomUUID()}`;
      await s.outbox.claim(a.outboxId);
      await s.outbox.claim(b.outboxId);
      expect(await s.outbox.markSent(a.outboxId, [repeated])).toEqual({ keptApart: [] });
      expect(await s.outbox.markSent(b.outboxId, [repeated])).toEqual({ keptApart: [repeated] });
      expect(await replyIn(b.conversationId, b.replyId)).toMatchObject({ status: "sent" });
    });
  });
}
