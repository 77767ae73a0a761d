import { Cluster } from "ioredis";
import { describe, expect, it } from "vitest";
import { createRedis } from "../../src/adapters/queue/redis-connection.js";

// ioredis 6.0.0: Cluster.disconnect() on a client between reconnection attempts (no node in its
// pool) never emits "end", and BullMQ's Worker.close() waits for it. Nothing listens on port 1.
async function endsOnDisconnect(client: Cluster): Promise<boolean> {
  client.on("error", () => undefined);
  await expect.poll(() => client.status, { timeout: 10_000 }).toBe("reconnecting");
  const ended = new Promise<boolean>((resolve) => client.once("end", () => resolve(true)));
  client.disconnect();
  return Promise.race([ended, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000))]);
}

describe("a cluster client disconnected while it reconnects", () => {
  it("ioredis's own never ends (when this fails, ioredis is fixed: drop endingWhenStranded)", async () => {
    const plain = new Cluster([{ host: "127.0.0.1", port: 1 }], { clusterRetryStrategy: () => 200 });
    expect(await endsOnDisconnect(plain)).toBe(false);
  });

  it("ours ends, and so do its duplicates (BullMQ's blocking connections)", async () => {
    const ours = createRedis("redis+cluster://127.0.0.1:1", "worker") as Cluster;
    const duplicate = ours.duplicate();
    expect(await endsOnDisconnect(duplicate)).toBe(true);
    expect(await endsOnDisconnect(ours)).toBe(true);
  });
});
