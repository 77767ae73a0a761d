import type { BatchItem, EvaluationPriority, PrioritizedBatchItem } from "node-llama-cpp";

/**
 * Puts a context's batch in ascending sequence id order, so llama.cpp computes it in one pass.
 *
 * With a KV cache per sequence (llama.cpp's default, kv_unified off), a batch is cut into
 * micro-batches by `split_equal(..., sequential)` in llama-batch.cpp, which only takes a run of
 * consecutive sequence ids in increasing order: tokens queued as sequences 2, 0, 3, 1 take two
 * passes over the weights instead of one. node-llama-cpp batches items in the order they were
 * queued, which follows whichever sampling finished first; on a memory-bound model that order
 * alone cost about half of what batching 4 conversations saves (bench/README.md, section 3).
 *
 * node-llama-cpp's batch items do not name their sequence, so each generation passes its slot as
 * `evaluationPriority` (`slotPriority`), and this strategy orders by it. Token shares are split
 * as node-llama-cpp's default strategy does: every item gets an even share of the batch, and what
 * is left goes round again, so a long prompt does not hold back the others' single tokens.
 */
export function inSequenceOrder({ items, size }: { readonly items: readonly BatchItem[]; readonly size: number }): PrioritizedBatchItem[] {
  const shares = [...items].sort((a, b) => a.evaluationPriority - b.evaluationPriority).map((item) => ({ item, processAmount: 0 }));
  let left = size;
  let open = shares.filter((s) => s.item.tokens.length > 0);
  while (left > 0 && open.length > 0) {
    const share = Math.max(1, Math.floor(left / open.length));
    for (const s of open) {
      const add = Math.min(share, s.item.tokens.length - s.processAmount, left);
      s.processAmount += add;
      left -= add;
      if (left === 0) break;
    }
    open = open.filter((s) => s.processAmount < s.item.tokens.length);
  }
  return shares.filter((s) => s.processAmount > 0);
}

/** The evaluation priority that places a sequence's tokens at its slot (its id in the context) in `inSequenceOrder`. */
export function slotPriority(slot: number): EvaluationPriority {
  // Not limited to 1-5 here: only inSequenceOrder reads it, and only to sort.
  return (slot + 1) as EvaluationPriority;
}
