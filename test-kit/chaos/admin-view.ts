/** One message as the console shows it (GET .../conversations/:id/messages). */
export interface AdminMessage {
  readonly id: string;
  readonly seq: number;
  readonly direction: "inbound" | "outbound";
  readonly author: "customer" | "agent" | "human";
  readonly status: string;
  readonly text: string;
  readonly error: string | null;
}

export interface AdminConversation {
  readonly id: string;
  readonly agentPaused: boolean;
  readonly pausedBy: string | null;
  readonly messages: readonly AdminMessage[];
}

/** What the business's admin sees: every conversation with its transcript, and the handoffs. */
export interface AdminView {
  readonly conversations: readonly AdminConversation[];
  readonly handoffs: number;
}

/** Reads the admin view through the admin API the console reads, with a key of the business. */
export async function readAdminView(baseUrl: string, apiKey: string, businessId: string): Promise<AdminView> {
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${baseUrl}/api/admin/businesses/${businessId}${path}`, {
      headers: { authorization: `Bearer ${apiKey}` },
      signal: AbortSignal.timeout(30_000),
    });
    if (res.status !== 200) throw new Error(`admin API ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const listed: Array<{ id: string; agentPaused: boolean; pausedBy: string | null }> = [];
  for (let cursor: string | null = ""; cursor !== null; ) {
    const page: { items: typeof listed; nextCursor: string | null } = await get(
      `/conversations?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    listed.push(...page.items);
    cursor = page.nextCursor;
  }
  const conversations: AdminConversation[] = [];
  for (const c of listed) {
    const messages: AdminMessage[] = [];
    for (let after: number | null = 0; after !== null; ) {
      const page: { items: AdminMessage[]; nextAfter: number | null } = await get(`/conversations/${c.id}/messages?after=${after}&limit=1000`);
      messages.push(...page.items);
      after = page.nextAfter;
    }
    conversations.push({ id: c.id, agentPaused: c.agentPaused, pausedBy: c.pausedBy, messages });
  }
  let handoffs = 0;
  for (let cursor: string | null = ""; cursor !== null; ) {
    const page: { items: unknown[]; nextCursor: string | null } = await get(
      `/handoffs?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    handoffs += page.items.length;
    cursor = page.nextCursor;
  }
  return { conversations, handoffs };
}
