import { Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { MetricsSource } from "../../../ports/metrics-source.js";

const WINDOW_MS = 5 * 60_000;

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * The Prometheus text of one scrape. Figures come from Redis (queue depth) and PostgreSQL (reply
 * counts kept by triggers, the last 5 minutes' turns through an index), so one scrape of any
 * gateway covers every worker. Each source is read once per scrape; a scrape within `cacheMs` of
 * the last gets the same text, and scrapes that arrive together share one computation, so any
 * number of scrapers cost the database at most one read of each figure per `cacheMs`.
 */
export class MetricsScrape {
  private readonly registry = new Registry();
  private readonly queueJobs: Gauge<"state">;
  private readonly replies: Gauge<"channel" | "status">;
  private readonly turnWait: Gauge<"quantile">;
  private readonly turnLatency: Gauge<"quantile">;
  private readonly tokensPerSecond: Gauge;
  private cached: { text: string; at: number } | null = null;
  private running: Promise<string> | null = null;
  /** Scrapes computed (not served from the cache or a scrape in progress): for tests and the bench. */
  computations = 0;

  constructor(
    private readonly source: MetricsSource,
    private readonly cacheMs: number,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: "parlor_gateway_" });
    const registers = [this.registry];
    this.queueJobs = new Gauge({ name: "parlor_queue_jobs", help: "Turn jobs in the queue by state", labelNames: ["state"], registers });
    this.replies = new Gauge({
      name: "parlor_replies",
      help: "Replies stored, by channel kind and status (sent, delivered, read, failed, pending)",
      labelNames: ["channel", "status"],
      registers,
    });
    const window = "over the turns of the last 5 minutes";
    this.turnWait = new Gauge({
      name: "parlor_turn_wait_ms",
      help: `Time from a message's arrival to the start of its turn, ${window}`,
      labelNames: ["quantile"],
      registers,
    });
    this.turnLatency = new Gauge({
      name: "parlor_turn_latency_ms",
      help: `Time from a turn's start to its stored reply, ${window}`,
      labelNames: ["quantile"],
      registers,
    });
    this.tokensPerSecond = new Gauge({
      name: "parlor_generated_tokens_per_second",
      help: `Generated tokens per second of generation time, ${window}`,
      registers,
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    if (this.cached && Date.now() - this.cached.at < this.cacheMs) return Promise.resolve(this.cached.text);
    this.running ??= this.compute().finally(() => (this.running = null));
    return this.running;
  }

  private async compute(): Promise<string> {
    this.computations += 1;
    const [depth, replies, turns] = await Promise.all([this.source.queueDepth(), this.source.repliesByChannel(), this.source.recentTurns(WINDOW_MS)]);
    this.queueJobs.reset();
    for (const [state, count] of Object.entries(depth)) this.queueJobs.set({ state }, count);
    this.replies.reset();
    for (const r of replies) this.replies.set({ channel: r.channel, status: r.status }, r.count);
    const set = (gauge: Gauge<"quantile">, values: number[]) => {
      const sorted = values.sort((a, b) => a - b);
      gauge.set({ quantile: "0.5" }, quantile(sorted, 0.5));
      gauge.set({ quantile: "0.99" }, quantile(sorted, 0.99));
    };
    set(
      this.turnWait,
      turns.map((t) => t.waitMs),
    );
    set(
      this.turnLatency,
      turns.map((t) => t.turnMs),
    );
    const seconds = turns.reduce((sum, t) => sum + t.generationMs, 0) / 1000;
    this.tokensPerSecond.set(seconds > 0 ? turns.reduce((sum, t) => sum + t.generatedTokens, 0) / seconds : 0);
    const text = await this.registry.metrics();
    this.cached = { text, at: Date.now() };
    return text;
  }
}
