import fc from "fast-check";
import type { BatchItem, EvaluationPriority } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { inSequenceOrder, slotPriority } from "../../src/adapters/llm/sequence-order-strategy.js";

const item = (slot: number, tokens: number): BatchItem => ({
  tokens: Array.from({ length: tokens }, (_, i) => i) as unknown as BatchItem["tokens"],
  logits: [],
  evaluationPriority: slotPriority(slot),
});
const slotOf = (i: BatchItem) => (i.evaluationPriority as number) - 1;

describe("inSequenceOrder", () => {
  it("orders a batch by sequence slot, whatever order the tokens were queued in", () => {
    const queued = [item(2, 1), item(0, 1), item(3, 1), item(1, 1)];
    const batch = inSequenceOrder({ items: queued, size: 512 });
    expect(batch.map((b) => slotOf(b.item))).toEqual([0, 1, 2, 3]);
    expect(batch.map((b) => b.processAmount)).toEqual([1, 1, 1, 1]);
    // the items handed back are the very objects node-llama-cpp gave (it maps them back by identity)
    expect(batch.every((b) => queued.includes(b.item))).toBe(true);
  });

  it("does not let a long prompt crowd out the single tokens of generating sequences", () => {
    const batch = inSequenceOrder({ items: [item(3, 2000), item(1, 1), item(0, 1)], size: 512 });
    expect(batch.map((b) => [slotOf(b.item), b.processAmount])).toEqual([
      [0, 1],
      [1, 1],
      [3, 510],
    ]);
  });

  it("never exceeds the batch size, never gives an item more than it has, and fills the batch when it can", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 1, max: 900 })), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 1024 }),
        (specs, size) => {
          const items = specs.map(([slot, n]) => item(slot, n));
          const batch = inSequenceOrder({ items, size });
          const total = batch.reduce((n, b) => n + b.processAmount, 0);
          expect(total).toBe(
            Math.min(
              size,
              specs.reduce((n, [, t]) => n + t, 0),
            ),
          );
          for (const b of batch) {
            expect(b.processAmount).toBeGreaterThan(0);
            expect(b.processAmount).toBeLessThanOrEqual(b.item.tokens.length);
          }
          const slots = batch.map((b) => slotOf(b.item));
          expect(slots).toEqual([...slots].sort((a, b) => a - b));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("maps slots past node-llama-cpp's five named priorities too", () => {
    expect(slotPriority(0)).toBe(1 as EvaluationPriority);
    expect(slotPriority(11) as number).toBe(12);
  });
});
