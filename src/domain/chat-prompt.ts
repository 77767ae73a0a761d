/** A conversation turn as the model sees it. Consecutive messages of one side are merged into one turn. */
export type ChatTurn = { readonly role: "user"; readonly text: string } | { readonly role: "assistant"; readonly text: string };

/** Everything the model is given for one reply: the persona and the (trimmed) conversation, ending with the user. */
export interface ChatPrompt {
  readonly system: string;
  readonly turns: readonly ChatTurn[];
}

export interface StoredMessageForPrompt {
  readonly id: string;
  readonly seq: bigint;
  readonly direction: "inbound" | "outbound";
  readonly text: string;
  /** For an inbound message: the reply that answered it, if any. */
  readonly replyId: string | null;
  /** "received" means not answered yet. */
  readonly status: string;
}

/**
 * The order the model should see: each answered message just before the reply that answered it,
 * unanswered messages last. Storage order (seq) differs when a message arrives while the previous
 * reply is being generated: it is stored before that reply but is not answered by it.
 */
export function conversationOrder<M extends StoredMessageForPrompt>(messages: readonly M[]): M[] {
  const replySeq = new Map(messages.filter((m) => m.direction === "outbound").map((m) => [m.id, m.seq]));
  const key = (m: M): [number, bigint, number, bigint] => {
    if (m.direction === "outbound") return [0, m.seq, 1, 0n];
    if (m.status === "received") return [1, m.seq, 0, m.seq];
    const answeredAt = m.replyId ? replySeq.get(m.replyId) : undefined;
    return answeredAt === undefined ? [0, m.seq, 0, m.seq] : [0, answeredAt, 0, m.seq];
  };
  return [...messages].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
    return 0;
  });
}

export interface GroupedTurn<M> {
  readonly turn: ChatTurn;
  /** The first stored message merged into this turn. */
  readonly first: M;
}

/** Turns stored messages into alternating turns: a burst of customer messages becomes one user turn. */
export function groupTurns<M extends StoredMessageForPrompt>(messages: readonly M[]): GroupedTurn<M>[] {
  const grouped: GroupedTurn<M>[] = [];
  for (const m of messages) {
    const role = m.direction === "inbound" ? "user" : "assistant";
    const last = grouped.at(-1);
    if (last && last.turn.role === role) grouped[grouped.length - 1] = { turn: { role, text: `${last.turn.text}\n${m.text}` }, first: last.first };
    else grouped.push({ turn: { role, text: m.text }, first: m });
  }
  return grouped;
}
