import type { FastifyInstance } from "fastify";
import { Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { MetricsSource } from "../ports/metrics-source.js";

const WINDOW_MS = 5 * 60_000;

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * GET /metrics in the Prometheus text format. Figures come from Redis (queue depth) and
 * PostgreSQL (replies, turns), so one scrape of any gateway covers every worker.
 */
export function registerMetricsRoutes(app: FastifyInstance, source: MetricsSource): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "parlor_gateway_" });
  new Gauge({
    name: "parlor_queue_jobs",
    help: "Turn jobs in the queue by state",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      for (const [state, count] of Object.entries(await source.queueDepth())) this.set({ state }, count);
    },
  });
  new Gauge({
    name: "parlor_replies",
    help: "Replies stored, by channel kind and status (sent, delivered, read, failed, pending)",
    labelNames: ["channel", "status"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await source.repliesByChannel()) this.set({ channel: r.channel, status: r.status }, r.count);
    },
  });
  const turnGauge = (name: string, help: string, pick: (t: Awaited<ReturnType<MetricsSource["recentTurns"]>>[number]) => number) =>
    new Gauge({
      name,
      help: `${help}, over the turns of the last 5 minutes`,
      labelNames: ["quantile"],
      registers: [registry],
      async collect() {
        const values = (await source.recentTurns(WINDOW_MS)).map(pick).sort((a, b) => a - b);
        this.set({ quantile: "0.5" }, quantile(values, 0.5));
        this.set({ quantile: "0.99" }, quantile(values, 0.99));
      },
    });
  turnGauge("parlor_turn_wait_ms", "Time from a message's arrival to the start of its turn", (t) => t.waitMs);
  turnGauge("parlor_turn_latency_ms", "Time from a turn's start to its stored reply", (t) => t.turnMs);
  new Gauge({
    name: "parlor_generated_tokens_per_second",
    help: "Generated tokens per second of generation time, over the turns of the last 5 minutes",
    registers: [registry],
    async collect() {
      const turns = await source.recentTurns(WINDOW_MS);
      const seconds = turns.reduce((sum, t) => sum + t.generationMs, 0) / 1000;
      this.set(seconds > 0 ? turns.reduce((sum, t) => sum + t.generatedTokens, 0) / seconds : 0);
    },
  });
  app.get("/metrics", async (_request, reply) => reply.header("content-type", registry.contentType).send(await registry.metrics()));
}
