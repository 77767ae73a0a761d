import type { RecordedRequest } from "../fake-graph-server.js";
import type { AdminConversation, AdminMessage, AdminView } from "./admin-view.js";

/** A customer message the run sent (once, however often its webhook was delivered). */
export interface SentMessage {
  readonly wamid: string;
  /** The customer's phone number (wa_id). */
  readonly customer: string;
  /** Unique per message: how the admin's transcript is matched to it. */
  readonly text: string;
  /** When its webhook was first posted (Date.now()). */
  readonly firstPostedAt: number;
  /** A gateway answered 200 to one of its deliveries. */
  accepted: boolean;
}

export interface FigureInputs {
  readonly sent: readonly SentMessage[];
  /** Message sends the platform took, in the order it took them: what the phones received (graph.received()). */
  readonly phone: readonly RecordedRequest[];
  /** Mark-as-read calls the platform applied (graph.readReceipts()). */
  readonly reads: readonly RecordedRequest[];
  /** What the admin sees, through the admin API. */
  readonly admin: AdminView;
  /** Which reply answered each stored customer message (inbound message id -> reply message id): PostgreSQL's link, used only to pair them. */
  readonly replyOf: ReadonlyMap<string, string>;
  /** Replies PostgreSQL holds as failed with UNKNOWN_OUTCOME: each must be visible to the admin. */
  readonly unknownInDatabase: ReadonlySet<string>;
}

export interface LostMessage {
  readonly customer: string;
  readonly text: string;
  readonly why: string;
}

/** A reply that reached the phone after the reply to a later message. */
export interface OrderViolation {
  readonly customer: string;
  readonly replyId: string;
  /** The newest customer message (transcript seq) it answers, and the newest one already answered at the phone. */
  readonly answersSeq: number;
  readonly afterSeq: number;
}

export interface ChaosFigures {
  /** Customer messages a gateway accepted (200). */
  readonly received: number;
  /** ... whose reply reached the customer's phone. */
  readonly answered: number;
  /** Sends the platform took beyond one per reply: a customer got the same reply again. */
  readonly duplicateSends: number;
  /** Accepted, but neither answered at the phone nor shown to the admin as failed, skipped or waiting for a person. */
  readonly lost: number;
  /** A customer's phone got the reply to a later message before the reply to an earlier one. */
  readonly orderViolations: number;
  /** Replies the admin sees failed as UNKNOWN_OUTCOME (the platform may or may not have taken them). */
  readonly unknownOutcome: number;
  /** ... of which the reconciler failed, finding them "sending" for longer than reconcileAfterMs (a worker killed mid-send, or one still busy with a slow platform or database). */
  readonly unknownOutcomeByReconciler: number;
  /** Replies PostgreSQL holds as UNKNOWN_OUTCOME that the admin does not see as such. */
  readonly unknownOutcomeInvisible: number;
  /** Not answered at the phone, shown to the admin as failed (the message or its reply; UNKNOWN_OUTCOME included). */
  readonly failedVisible: number;
  /** Not answered, shown to the admin as skipped by the guardrails. */
  readonly skippedVisible: number;
  /** Waiting for a person in a conversation the agent handed off (paused): visible, not lost. */
  readonly handedToPerson: number;
  /** Handoffs the admin sees. */
  readonly handoffs: number;
  /** Messages whose webhook no gateway ever accepted (Meta would go on redelivering). */
  readonly notAccepted: number;
  /** Messages stored more than once (a redelivery not recognised). */
  readonly storedTwice: number;
  /** Replies the platform took for a number that is not the customer's. */
  readonly misaddressed: number;
  /** Sends the platform took for replies that answer no customer message. */
  readonly unexplainedSends: number;
  /** Read receipts beyond one per customer message. */
  readonly repeatedReadReceipts: number;
  readonly p50LatencyMs: number;
  readonly p99LatencyMs: number;
  readonly maxLatencyMs: number;
  /** The first few order violations, to start looking. */
  readonly orderExamples: readonly OrderViolation[];
  /** The first few lost messages and why, to start looking. */
  readonly lostExamples: readonly LostMessage[];
}

const replyIdOf = (r: RecordedRequest) => (r.body as { biz_opaque_callback_data?: string }).biz_opaque_callback_data ?? "";
const recipientOf = (r: RecordedRequest) => (r.body as { to?: string }).to ?? "";

/**
 * Counts at the phone: what the platform took (per reply id and per customer), and for every
 * message it did not answer, whether the admin can see why (through the admin API). PostgreSQL
 * is read only to pair a customer message with the reply that answered it.
 */
export function chaosFigures(input: FigureInputs): ChaosFigures {
  // The admin's view, indexed.
  const inboundByText = new Map<string, Array<{ message: AdminMessage; conversation: AdminConversation }>>();
  const outboundById = new Map<string, AdminMessage>();
  const inboundById = new Map<string, AdminMessage>();
  for (const conversation of input.admin.conversations) {
    for (const message of conversation.messages) {
      if (message.direction === "inbound") {
        inboundById.set(message.id, message);
        const same = inboundByText.get(message.text) ?? [];
        same.push({ message, conversation });
        inboundByText.set(message.text, same);
      } else outboundById.set(message.id, message);
    }
  }
  const customerOfText = new Map(input.sent.map((m) => [m.text, m.customer]));
  // Per reply: the newest customer message it answers (its place in the conversation) and whose it is.
  const answers = new Map<string, { seq: number; customer: string | undefined }>();
  for (const [inboundId, replyId] of input.replyOf) {
    const inbound = inboundById.get(inboundId);
    if (!inbound) continue;
    const known = answers.get(replyId);
    if (!known || known.seq < inbound.seq) answers.set(replyId, { seq: inbound.seq, customer: customerOfText.get(inbound.text) });
  }

  // The phones.
  const receipts = new Map<string, RecordedRequest[]>();
  for (const r of input.phone) {
    const list = receipts.get(replyIdOf(r)) ?? [];
    list.push(r);
    receipts.set(replyIdOf(r), list);
  }
  let duplicateSends = 0;
  let misaddressed = 0;
  let unexplainedSends = 0;
  for (const [replyId, list] of receipts) {
    duplicateSends += list.length - 1;
    const answered = answers.get(replyId);
    if (!answered) unexplainedSends += list.length;
    else misaddressed += list.filter((r) => recipientOf(r) !== answered.customer).length;
  }
  const orderExamples: OrderViolation[] = [];
  let orderViolations = 0;
  const newestSeen = new Map<string, number>();
  const seen = new Set<string>();
  for (const r of input.phone) {
    const replyId = replyIdOf(r);
    const answered = answers.get(replyId);
    if (seen.has(replyId) || !answered) continue;
    seen.add(replyId);
    const newest = newestSeen.get(recipientOf(r)) ?? -1;
    if (answered.seq < newest) {
      orderViolations++;
      if (orderExamples.length < 10) orderExamples.push({ customer: recipientOf(r), replyId, answersSeq: answered.seq, afterSeq: newest });
    }
    newestSeen.set(recipientOf(r), Math.max(newest, answered.seq));
  }

  // Every accepted customer message: answered at the phone, or visibly not.
  let answered = 0;
  let failedVisible = 0;
  let skippedVisible = 0;
  let handedToPerson = 0;
  let storedTwice = 0;
  const lost: LostMessage[] = [];
  const latencies: number[] = [];
  for (const m of input.sent) {
    if (!m.accepted) continue;
    const stored = inboundByText.get(m.text) ?? [];
    if (stored.length === 0) {
      lost.push({ customer: m.customer, text: m.text, why: "not in the admin's transcript" });
      continue;
    }
    if (stored.length > 1) storedTwice++;
    const { message, conversation } = stored[0]!;
    const replyId = input.replyOf.get(message.id);
    const reply = replyId ? outboundById.get(replyId) : undefined;
    const atPhone = replyId ? receipts.get(replyId)?.find((r) => recipientOf(r) === m.customer) : undefined;
    if (atPhone) {
      answered++;
      latencies.push(atPhone.at - m.firstPostedAt);
    } else if (message.status === "failed" || reply?.status === "failed") failedVisible++;
    else if (message.status === "skipped") skippedVisible++;
    else if (message.status === "received" && conversation.agentPaused) handedToPerson++;
    else {
      const why = reply
        ? `the admin sees its reply as ${reply.status}, but the phone never got it`
        : replyId
          ? "answered by a reply the admin cannot see"
          : `never answered (the admin sees it ${message.status}${conversation.agentPaused ? `, agent paused by ${conversation.pausedBy}` : ""})`;
      lost.push({ customer: m.customer, text: m.text, why });
    }
  }

  const unknownShown = [...outboundById.values()].filter((m) => m.status === "failed" && m.error?.startsWith("UNKNOWN_OUTCOME"));
  const unknownVisible = new Set(unknownShown.map((m) => m.id));
  const reads = new Map<string, number>();
  for (const r of input.reads) {
    const id = (r.body as { message_id?: string }).message_id ?? "";
    reads.set(id, (reads.get(id) ?? 0) + 1);
  }
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return {
    received: input.sent.filter((m) => m.accepted).length,
    answered,
    duplicateSends,
    lost: lost.length,
    orderViolations,
    unknownOutcome: unknownVisible.size,
    unknownOutcomeByReconciler: unknownShown.filter((m) => m.error?.includes("the worker stopped while sending")).length,
    unknownOutcomeInvisible: [...input.unknownInDatabase].filter((id) => !unknownVisible.has(id)).length,
    failedVisible,
    skippedVisible,
    handedToPerson,
    handoffs: input.admin.handoffs,
    notAccepted: input.sent.filter((m) => !m.accepted).length,
    storedTwice,
    misaddressed,
    unexplainedSends,
    repeatedReadReceipts: [...reads.values()].reduce((sum, n) => sum + n - 1, 0),
    p50LatencyMs: percentile(0.5),
    p99LatencyMs: percentile(0.99),
    maxLatencyMs: latencies.at(-1) ?? 0,
    orderExamples,
    lostExamples: lost.slice(0, 10),
  };
}
