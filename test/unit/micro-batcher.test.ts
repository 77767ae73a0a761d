import { describe, expect, it } from "vitest";
import { MicroBatcher } from "../../src/app/ingest/micro-batcher.js";

describe("MicroBatcher", () => {
  it("puts calls of the same tick into one run and answers each with its own result", async () => {
    const runs: number[][] = [];
    const batcher = new MicroBatcher<number, number>(
      async (items) => {
        runs.push([...items]);
        return items.map((n) => (n < 0 ? new Error(`negative ${n}`) : n * 2));
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    const results = await Promise.allSettled([1, 2, -3, 4].map((n) => batcher.submit(n)));
    expect(runs).toEqual([[1, 2, -3, 4]]);
    expect(results).toEqual([
      { status: "fulfilled", value: 2 },
      { status: "fulfilled", value: 4 },
      { status: "rejected", reason: new Error("negative -3") },
      { status: "fulfilled", value: 8 },
    ]);
  });

  it("gathers what arrives while the runs are busy into the next run, up to maxBatch", async () => {
    const runs: number[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new MicroBatcher<number, number>(
      async (items) => {
        runs.push([...items]);
        if (runs.length === 1) await gate;
        return items;
      },
      { maxBatch: 3, maxInFlight: 1 },
    );
    const first = batcher.submit(0);
    await new Promise((r) => setImmediate(r));
    const later = [1, 2, 3, 4, 5].map((n) => batcher.submit(n));
    await new Promise((r) => setTimeout(r, 10));
    expect(runs).toEqual([[0]]);
    release();
    expect(await Promise.all([first, ...later])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(runs).toEqual([[0], [1, 2, 3], [4, 5]]);
  });

  it("fails every item of a run that throws, and keeps serving later calls", async () => {
    let fail = true;
    const batcher = new MicroBatcher<number, number>(
      async (items) => {
        if (fail) throw new Error("store down");
        return items;
      },
      { maxBatch: 10, maxInFlight: 2 },
    );
    const failed = await Promise.allSettled([1, 2].map((n) => batcher.submit(n)));
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    expect(await batcher.submit(3)).toBe(3);
  });
});
