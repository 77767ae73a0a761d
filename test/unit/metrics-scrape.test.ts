import { describe, expect, it } from "vitest";
import { MetricsScrape } from "../../src/adapters/http/metrics/metrics-scrape.js";
import type { MetricsSource } from "../../src/ports/metrics-source.js";

/** A source that counts its reads and takes `ms` to answer, like a database under load. */
function slowSource(ms: number) {
  const reads = { queue: 0, replies: 0, turns: 0 };
  const wait = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
  const source: MetricsSource = {
    queueDepth: () => (reads.queue++, wait({ waiting: 1 })),
    repliesByChannel: () => (reads.replies++, wait([{ channel: "webchat", status: "sent", count: 7 }])),
    recentTurns: () => (reads.turns++, wait([{ waitMs: 10, turnMs: 20, generationMs: 1000, generatedTokens: 50, evaluatedTokens: 5 }])),
  };
  return { source, reads };
}

describe("MetricsScrape", () => {
  it("reads each source once per scrape, and concurrent scrapes share one computation", async () => {
    const { source, reads } = slowSource(50);
    const scrape = new MetricsScrape(source, 0);
    const texts = await Promise.all(Array.from({ length: 20 }, () => scrape.render()));
    expect(reads).toEqual({ queue: 1, replies: 1, turns: 1 });
    expect(scrape.computations).toBe(1);
    expect(new Set(texts).size).toBe(1);
    expect(texts[0]).toContain('parlor_replies{channel="webchat",status="sent"} 7');
    expect(texts[0]).toContain("parlor_generated_tokens_per_second 50");
  });

  it("serves a scrape within cacheMs of the last from the cache, and computes again after", async () => {
    const { source, reads } = slowSource(1);
    const scrape = new MetricsScrape(source, 200);
    await scrape.render();
    await scrape.render();
    expect(reads.replies).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await scrape.render();
    expect(reads.replies).toBe(2);
  });
});
