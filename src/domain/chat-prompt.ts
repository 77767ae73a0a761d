/** A conversation turn as the model sees it. Consecutive messages of one side are merged into one turn. */
export type ChatTurn = { readonly role: "user"; readonly text: string } | { readonly role: "assistant"; readonly text: string };

/** Everything the model is given for one reply: the persona and the (trimmed) conversation, ending with the user. */
export interface ChatPrompt {
  readonly system: string;
  readonly turns: readonly ChatTurn[];
}

export interface StoredMessageForPrompt {
  readonly direction: "inbound" | "outbound";
  readonly text: string;
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
