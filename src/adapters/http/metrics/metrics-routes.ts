import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { MetricsScrape } from "./metrics-scrape.js";

export interface MetricsRouteOptions {
  readonly scrape: MetricsScrape;
  /** Bearer token the scraper must send; undefined: every request is refused (401) unless `open`. */
  readonly token: string | undefined;
  /** Served without a token (the metrics listener, bound to a private address). */
  readonly open?: boolean;
}

/**
 * GET /metrics in the Prometheus text format, for operators only: with `Authorization: Bearer
 * <METRICS_TOKEN>` (compared in constant time), or on the metrics listener of its own.
 */
export function registerMetricsRoutes(app: FastifyInstance, options: MetricsRouteOptions): void {
  const expected = options.token ? digest(options.token) : null;
  app.get("/metrics", async (request, reply) => {
    if (!options.open) {
      const given = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
      if (!expected || !given || !timingSafeEqual(digest(given), expected)) {
        return reply
          .status(401)
          .header("www-authenticate", 'Bearer realm="metrics"')
          .send({
            error: {
              code: "UNAUTHORIZED",
              message: expected
                ? "send the metrics token: Authorization: Bearer <METRICS_TOKEN>"
                : "metrics are not served here: set METRICS_TOKEN, or METRICS_PORT for a listener of their own",
            },
          });
      }
    }
    return reply
      .header("content-type", options.scrape.contentType)
      .header("cache-control", "no-store")
      .send(await options.scrape.render());
  });
}

/** Equal-length digests, so the comparison takes the same time whatever the token's length. */
function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** The metrics listener (METRICS_PORT): /metrics alone, open unless METRICS_TOKEN is set too. */
export function registerMetricsListenerRoutes(app: FastifyInstance, scrape: MetricsScrape, token: string | undefined): void {
  registerMetricsRoutes(app, { scrape, token, open: token === undefined });
}
