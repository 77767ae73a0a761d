import { setTimeout as sleep } from "node:timers/promises";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConversationLock } from "../../src/ports/conversation-lock.js";

export interface LockUnderTest {
  readonly lock: ConversationLock;
  close(): Promise<void>;
}

/** One holder per conversation; a lease lapses after its TTL unless extended, and a lapsed holder cannot free its successor's. */
export function conversationLockContract(name: string, open: (ttlMs: number) => Promise<LockUnderTest>): void {
  describe(`ConversationLock contract: ${name}`, () => {
    const TTL_MS = 400;
    let l: LockUnderTest;
    beforeAll(async () => {
      l = await open(TTL_MS);
    });
    afterAll(async () => l?.close());

    it("has one holder per conversation; other conversations are free", async () => {
      const id = randomUUID();
      const lease = await l.lock.tryAcquire(id);
      expect(lease).not.toBeNull();
      expect(await l.lock.tryAcquire(id)).toBeNull();
      expect(await l.lock.tryAcquire(randomUUID())).not.toBeNull();
      await lease!.release();
      const next = await l.lock.tryAcquire(id);
      expect(next).not.toBeNull();
      expect(await next!.extend()).toBe(true);
    });

    it("a lease lapses after its TTL: another takes it, and the old holder can neither extend nor release it", async () => {
      const id = randomUUID();
      const old = (await l.lock.tryAcquire(id))!;
      await sleep(TTL_MS + 150);
      const taker = await l.lock.tryAcquire(id);
      expect(taker).not.toBeNull();
      expect(await old.extend()).toBe(false);
      await old.release();
      expect(await l.lock.tryAcquire(id)).toBeNull();
      expect(await taker!.extend()).toBe(true);
    });

    it("an extended lease outlives its first TTL", async () => {
      const id = randomUUID();
      const lease = (await l.lock.tryAcquire(id))!;
      for (let i = 0; i < 3; i++) {
        await sleep(TTL_MS / 2);
        expect(await lease.extend()).toBe(true);
      }
      expect(await l.lock.tryAcquire(id)).toBeNull();
    });
  });
}
