import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusEvent, ReplyBus } from "../../src/ports/reply-bus.js";

export interface BusUnderTest {
  readonly bus: ReplyBus;
  close(): Promise<void>;
}

/** What the web chat relies on: a conversation's subscribers get its events (ids only) until they unsubscribe; typing is remembered. */
export function replyBusContract(name: string, open: () => Promise<BusUnderTest>): void {
  describe(`ReplyBus contract: ${name}`, () => {
    let b: BusUnderTest;
    beforeAll(async () => {
      b = await open();
    });
    afterAll(async () => b?.close());

    it("delivers a conversation's events, ids only, to its subscribers and no one else's, until they unsubscribe", async () => {
      const [mine, other] = [randomUUID(), randomUUID()];
      const got: BusEvent[] = [];
      const gotOther: BusEvent[] = [];
      const stop = await b.bus.subscribe(mine, (e) => got.push(e));
      await b.bus.subscribe(other, (e) => gotOther.push(e));
      await b.bus.publish({ conversationId: mine, messageId: "m1", text: "not carried" } as BusEvent);
      await b.bus.publish({ conversationId: mine, typing: true });
      await expect
        .poll(() => got)
        .toEqual([
          { conversationId: mine, messageId: "m1" },
          { conversationId: mine, typing: true },
        ]);
      await stop();
      await b.bus.publish({ conversationId: mine, messageId: "m2" });
      await sleep(100);
      expect(got).toHaveLength(2);
      expect(gotOther).toEqual([]);
    });

    it("remembers whether an answer is being written, for a page that subscribes later", async () => {
      const id = randomUUID();
      expect(await b.bus.isTyping(id)).toBe(false);
      await b.bus.publish({ conversationId: id, typing: true });
      expect(await b.bus.isTyping(id)).toBe(true);
      await b.bus.publish({ conversationId: id, typing: false });
      expect(await b.bus.isTyping(id)).toBe(false);
    });
  });
}
