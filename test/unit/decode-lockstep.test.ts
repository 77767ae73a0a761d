import { describe, expect, it } from "vitest";
import { DecodeLockstep } from "../../src/adapters/llm/decode-lockstep.js";

const settled = async (p: Promise<void> | undefined) => {
  let done = false;
  void p?.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return p === undefined || done;
};

describe("DecodeLockstep", () => {
  it("never makes a lone generation wait", () => {
    const lockstep = new DecodeLockstep();
    lockstep.join();
    for (let i = 0; i < 5; i++) expect(lockstep.arrive()).toBeUndefined();
  });

  it("holds each member until every member has its token, then releases all in one turn", async () => {
    const lockstep = new DecodeLockstep();
    lockstep.join();
    lockstep.join();
    lockstep.join();
    const a = lockstep.arrive();
    const b = lockstep.arrive();
    expect(await settled(a)).toBe(false);
    expect(await settled(b)).toBe(false);
    expect(lockstep.arrive()).toBeUndefined(); // the last one does not wait and releases the others
    expect(await settled(a)).toBe(true);
    expect(await settled(b)).toBe(true);
    // the next step starts from zero
    const c = lockstep.arrive();
    expect(await settled(c)).toBe(false);
  });

  it("releases the waiting members when the one they wait for ends instead of arriving", async () => {
    const lockstep = new DecodeLockstep();
    lockstep.join();
    lockstep.join();
    const a = lockstep.arrive();
    expect(await settled(a)).toBe(false);
    lockstep.leave();
    expect(await settled(a)).toBe(true);
    expect(lockstep.arrive()).toBeUndefined(); // alone again
  });

  it("counts a newcomer only from its join, so nobody waits for a prompt still being read", async () => {
    const lockstep = new DecodeLockstep();
    lockstep.join();
    lockstep.join();
    const a = lockstep.arrive();
    lockstep.join(); // a third generation got its first token during this step
    const b = lockstep.arrive();
    expect(await settled(a)).toBe(false); // 2 of 3 arrived
    expect(await settled(b)).toBe(false);
    expect(lockstep.arrive()).toBeUndefined();
    expect(await settled(a)).toBe(true);
    expect(await settled(b)).toBe(true);
  });
});
