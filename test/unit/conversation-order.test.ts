import { describe, expect, it } from "vitest";
import { conversationOrder, groupTurns, type StoredMessageForPrompt } from "../../src/domain/chat-prompt.js";

const msg = (id: string, seq: number, direction: "inbound" | "outbound", replyId: string | null = null, status?: string): StoredMessageForPrompt => ({
  id,
  seq: BigInt(seq),
  direction,
  text: id,
  replyId,
  status: status ?? (direction === "outbound" ? "sent" : replyId ? "answered" : "received"),
});

describe("conversationOrder", () => {
  it("puts a message that arrived during generation after the reply it was not part of", () => {
    // m2 was stored while r1 (answering m1 only) was being generated: seq order m1, m2, r1.
    const ordered = conversationOrder([msg("m1", 1, "inbound", "r1"), msg("m2", 2, "inbound"), msg("r1", 3, "outbound")]);
    expect(ordered.map((m) => m.id)).toEqual(["m1", "r1", "m2"]);
    expect(groupTurns(ordered).map((g) => g.turn.role)).toEqual(["user", "assistant", "user"]);
  });

  it("keeps a merged burst together before its reply, in arrival order", () => {
    const ordered = conversationOrder([
      msg("a", 1, "inbound", "r1"),
      msg("b", 2, "inbound", "r1"),
      msg("r1", 3, "outbound"),
      msg("c", 4, "inbound", "r2"),
      msg("d", 5, "inbound"),
      msg("r2", 6, "outbound"),
    ]);
    expect(ordered.map((m) => m.id)).toEqual(["a", "b", "r1", "c", "r2", "d"]);
    expect(groupTurns(ordered).map((g) => g.turn.text)).toEqual(["a\nb", "r1", "c", "r2", "d"]);
  });

  it("keeps answered messages without a reply link (answered elsewhere) in storage order", () => {
    const ordered = conversationOrder([msg("a", 1, "inbound", null, "answered"), msg("r", 2, "outbound"), msg("b", 3, "inbound")]);
    expect(ordered.map((m) => m.id)).toEqual(["a", "r", "b"]);
  });

  it("treats an inbound whose reply fell before the history start as earlier history", () => {
    const ordered = conversationOrder([msg("x", 10, "inbound", "gone"), msg("r", 11, "outbound"), msg("y", 12, "inbound")]);
    expect(ordered.map((m) => m.id)).toEqual(["x", "r", "y"]);
  });
});
