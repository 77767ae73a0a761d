import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChannelAdapter, OutboundDelivery } from "../../src/ports/channel-adapter.js";

/** What the contract needs to drive one adapter against its (real or fake) platform. */
export interface ContractHarness<E> {
  readonly adapter: ChannelAdapter<E>;
  /** Most characters one platform message may carry; Infinity when the platform never splits. */
  readonly maxChars: number;
  /** A platform event carrying one customer text message; `key` makes it unique. */
  customerEvent(key: string, text: string): E;
  /** An event that carries no customer message (echo, receipt, own message), where the platform has one. */
  nonMessageEvent?(): E;
  /** A reply to the customer of customerEvent, allowed to be sent (window open, chat wrote first). */
  delivery(text: string): OutboundDelivery;
  /** Texts the platform received since the previous call, in order. */
  received(): Promise<string[]>;
  close(): Promise<void>;
}

const squash = (s: string) => s.replace(/\s+/g, "");

/** The behaviour every channel adapter shares; each adapter (fakes included) runs it once. */
export function runChannelAdapterContract<E>(name: string, makeHarness: () => Promise<ContractHarness<E>>): void {
  describe(`${name}: channel adapter contract`, () => {
    let h: ContractHarness<E>;
    beforeAll(async () => {
      h = await makeHarness();
    });
    afterAll(() => h?.close());

    it("maps a customer message to one normalised text message of its own kind", () => {
      const messages = h.adapter.toInbound(h.customerEvent("k1", "  Hello there!  "));
      expect(messages).toHaveLength(1);
      const [m] = messages;
      expect(m).toMatchObject({ channelKind: h.adapter.kind, kind: "text", text: "Hello there!" });
      expect(m!.platformMessageId.length).toBeGreaterThan(0);
      expect(m!.senderId.length).toBeGreaterThan(0);
      expect(m!.platformAccountId.length).toBeGreaterThan(0);
      expect(m!.sentAt).toBeInstanceOf(Date);
      expect(Number.isNaN(m!.sentAt.getTime())).toBe(false);
    });

    it("maps the same event to the same ids every time, and different messages to different ids", () => {
      const event = h.customerEvent("k2", "Same message");
      const ids = (e: E) => h.adapter.toInbound(e).map((m) => [m.platformAccountId, m.platformMessageId, m.senderId]);
      expect(ids(event)).toEqual(ids(event));
      expect(ids(h.customerEvent("k3", "Same message"))[0]![1]).not.toBe(ids(event)[0]![1]);
    });

    it("keeps non-ASCII text, normalised to NFC", () => {
      const [m] = h.adapter.toInbound(h.customerEvent("k4", "Cafe\u0301 ☕ 東京 👍🏽 مرحبا"));
      expect(m?.text).toBe("Café ☕ 東京 👍🏽 مرحبا");
    });

    it("maps events that are not customer messages to nothing", (ctx) => {
      if (!h.nonMessageEvent) return ctx.skip();
      expect(h.adapter.toInbound(h.nonMessageEvent())).toEqual([]);
    });

    it("sends a reply and returns the platform's id for it", async () => {
      await h.received();
      const result = await h.adapter.send(h.delivery("Thanks, see you soon!"));
      expect(result.platformMessageIds.length).toBeGreaterThan(0);
      expect(result.platformMessageIds.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
      expect(await h.received()).toEqual(["Thanks, see you soon!"]);
    });

    it("splits a long reply within the platform's limit, losing nothing", async () => {
      await h.received();
      const limit = Number.isFinite(h.maxChars) ? h.maxChars : 4000;
      const text = Array.from({ length: Math.ceil((limit * 2.5) / 40) }, (_, i) => `Sentence ${i} is about our menu today. `).join("");
      const result = await h.adapter.send(h.delivery(text));
      const texts = await h.received();
      expect(texts.every((t) => t.length > 0 && t.length <= h.maxChars)).toBe(true);
      expect(squash(texts.join(""))).toBe(squash(text));
      if (Number.isFinite(h.maxChars)) expect(texts.length).toBeGreaterThanOrEqual(3);
      expect(result.platformMessageIds.length).toBe(texts.length);
    });
  });
}
