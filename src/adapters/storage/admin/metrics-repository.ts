import type { MetricsSource } from "../../../ports/metrics-source.js";
import type { Db } from "../create-db.js";

/** The database side of the metrics: replies per channel and the recent turns' timings. */
export class MetricsRepository implements Omit<MetricsSource, "queueDepth"> {
  constructor(private readonly db: Db) {}

  /** From "ReplyCount", which triggers keep as replies are stored, change status and go (one row per channel and status). */
  async repliesByChannel() {
    const rows = await this.db.$queryRaw<Array<{ channel: string; status: string; count: bigint }>>`
      select c.kind::text as channel, r.status::text as status, sum(r.count)::bigint as count
      from "ReplyCount" r join "Channel" c on c.id = r."channelId"
      group by c.kind, r.status
      having sum(r.count) > 0`;
    return rows.map((r) => ({ channel: r.channel, status: r.status, count: Number(r.count) }));
  }

  async recentTurns(windowMs: number) {
    // Wait: from the oldest message a turn answered to the turn's start. Both lookups are indexed
    // ("Turn"."createdAt", "Message"."replyId"): the cost follows the turns of the window, not the table.
    const rows = await this.db.$queryRaw<Array<{ wait_ms: number; turn_ms: number; generation_ms: number; generated: number; evaluated: number }>>`
      select extract(epoch from (t."startedAt" - first_in."createdAt")) * 1000 as wait_ms,
             extract(epoch from (t."createdAt" - t."startedAt")) * 1000 as turn_ms,
             extract(epoch from (t."generationEndedAt" - t."generationStartedAt")) * 1000 as generation_ms,
             t."generatedTokens" as generated, t."evaluatedTokens" as evaluated
      from "Turn" t
      join lateral (select min(m."createdAt") as "createdAt" from "Message" m where m."replyId" = t."replyId") first_in on true
      where t."createdAt" > now() - ${windowMs} * interval '1 millisecond'`;
    return rows.map((r) => ({
      waitMs: Math.max(0, Number(r.wait_ms)),
      turnMs: Math.max(0, Number(r.turn_ms)),
      generationMs: Math.max(0, Number(r.generation_ms)),
      generatedTokens: Number(r.generated),
      evaluatedTokens: Number(r.evaluated),
    }));
  }
}
