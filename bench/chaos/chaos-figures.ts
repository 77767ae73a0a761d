import type { Db } from "../../src/storage/create-db.js";
import type { RecordedRequest } from "../../test/support/fake-graph-server.js";

export interface ChaosFigures {
  readonly received: number;
  readonly answered: number;
  readonly duplicateSends: number;
  readonly lost: number;
  readonly orderViolations: number;
  /** Replies recorded as failed (visible to the admin), e.g. a send whose outcome was unknown. */
  readonly failedVisible: number;
  readonly maxLatencyMs: number;
  readonly p99LatencyMs: number;
}

/** What happened, from PostgreSQL and from what the fake platform actually received. */
export async function chaosFigures(db: Db, requests: readonly RecordedRequest[]): Promise<ChaosFigures> {
  const inbound = await db.message.findMany({
    where: { direction: "inbound" },
    select: { seq: true, status: true, createdAt: true, reply: { select: { id: true, status: true, outbox: { select: { sentAt: true } } } } },
  });
  const sends = requests.filter((r) => (r.body as { type?: string } | undefined)?.type === "text");
  const sentReplyIds = sends.map((r) => (r.body as { biz_opaque_callback_data?: string }).biz_opaque_callback_data ?? "");
  const distinct = new Set(sentReplyIds);
  const answered = inbound.filter((m) => m.status === "answered" && m.reply && distinct.has(m.reply.id));
  const failedVisible = inbound.filter((m) => m.status === "failed" || m.reply?.status === "failed").length;
  const latencies = answered.map((m) => (m.reply!.outbox?.sentAt?.getTime() ?? Date.now()) - m.createdAt.getTime()).sort((a, b) => a - b);

  // Per customer, the replies must reach them in the order of the messages they answer.
  const newestAnswered = new Map<string, bigint>();
  for (const m of inbound) if (m.reply && (newestAnswered.get(m.reply.id) ?? -1n) < m.seq) newestAnswered.set(m.reply.id, m.seq);
  let orderViolations = 0;
  const lastByRecipient = new Map<string, bigint>();
  for (const send of sends) {
    const body = send.body as { to: string; biz_opaque_callback_data?: string };
    const seq = newestAnswered.get(body.biz_opaque_callback_data ?? "");
    if (seq === undefined) continue;
    const last = lastByRecipient.get(body.to);
    if (last !== undefined && seq < last) orderViolations++;
    lastByRecipient.set(body.to, seq);
  }
  return {
    received: inbound.length,
    answered: answered.length,
    duplicateSends: sends.length - distinct.size,
    lost: inbound.length - answered.length - failedVisible,
    orderViolations,
    failedVisible,
    maxLatencyMs: latencies.at(-1) ?? 0,
    p99LatencyMs: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0,
  };
}
