import type { ChaosResult } from "./run-chaos.js";

/** The figures, one per line, then the summary line (always last). */
export function formatChaosResult(r: ChaosResult): string {
  const rows: Array<[string, string | number | boolean]> = [
    ["seed", r.seed],
    ["received (accepted webhooks)", r.received],
    ["answered at the phone", r.answered],
    ["duplicate sends at the phone", r.duplicateSends],
    ["lost", r.lost],
    ["order violations at the phone", r.orderViolations],
    ["unknown outcome (admin sees it)", r.unknownOutcome],
    ["  of which failed by the reconciler", r.unknownOutcomeByReconciler],
    ["unknown outcome NOT visible", r.unknownOutcomeInvisible],
    ["failed, visible to the admin", r.failedVisible],
    ["skipped, visible to the admin", r.skippedVisible],
    ["handed to a person (waiting)", r.handedToPerson],
    ["handoffs", r.handoffs],
    ["webhooks never accepted", r.notAccepted],
    ["stored twice", r.storedTwice],
    ["sent to the wrong number", r.misaddressed],
    ["sends answering no message", r.unexplainedSends],
    ["repeated read receipts", r.repeatedReadReceipts],
    ["worker SIGKILLs", r.events.workerKills],
    ["gateway SIGKILLs", r.events.gatewayKills],
    ["Redis restarts (empty)", r.events.redisRestarts],
    ["Redis primary failovers", r.events.redisFailovers],
    ["  kill to new primary (ms)", r.events.redisFailoverMs.join(", ") || "-"],
    ["PostgreSQL restarts", r.events.postgresRestarts],
    ["row locks past tx timeout", r.events.lockStalls],
    ["worker sessions terminated", `${r.events.sessionKills} times (${r.events.sessionsEnded} sessions)`],
    ["stalls not set up (PostgreSQL down)", r.events.stallsFailed],
    ["platform refusing connections", r.events.platformRefusals],
    ["duplicate deliveries", r.events.duplicateDeliveries],
    ...Object.entries(r.platformFaults)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, n]): [string, number] => [`platform fault: ${name}`, n]),
    ...Object.entries(r.webhookRefusals).map(([status, n]): [string, number] => [
      `webhook answered ${status === "connection" ? "no connection" : status}`,
      n,
    ]),
    ["processes exiting by themselves", r.unexpectedExits],
    ["p50 answer latency (ms)", r.p50LatencyMs],
    ["p99 answer latency (ms)", r.p99LatencyMs],
    ["max answer latency (ms)", r.maxLatencyMs],
    ["quiescent", r.quiescent],
    ["duration (s)", Math.round(r.durationMs / 1000)],
  ];
  const lines = rows.map(([label, value]) => `${label.padEnd(42)} ${value}`);
  for (const v of r.orderExamples)
    lines.push(`out of order: ${v.customer} got reply ${v.replyId} (to message seq ${v.answersSeq}) after the reply to seq ${v.afterSeq}`);
  for (const lost of r.lostExamples) lines.push(`lost: ${lost.customer} "${lost.text}": ${lost.why}`);
  lines.push(
    `chaos: received=${r.received} answered=${r.answered} duplicate_sends=${r.duplicateSends} lost=${r.lost} order_violations=${r.orderViolations} unknown_outcome=${r.unknownOutcome}`,
  );
  return lines.join("\n");
}

/** The targets a run missed (none: it passed). */
export function chaosVerdict(r: ChaosResult): string[] {
  const missed: string[] = [];
  const zero = (value: number, what: string) => value !== 0 && missed.push(`${what}: ${value}`);
  zero(r.duplicateSends, "duplicate sends");
  zero(r.lost, "lost");
  zero(r.orderViolations, "order violations");
  zero(r.unknownOutcomeInvisible, "unknown outcomes the admin does not see");
  zero(r.notAccepted, "webhooks never accepted");
  zero(r.storedTwice, "messages stored twice");
  zero(r.misaddressed, "replies to the wrong number");
  zero(r.unexplainedSends, "sends answering no message");
  zero(r.unexpectedExits, "processes exiting by themselves");
  if (!r.quiescent) missed.push("not quiescent within the time limit");
  return missed;
}
