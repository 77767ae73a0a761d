import { Cluster, Redis, type RedisOptions } from "ioredis";
import { isClusterUrl } from "../../config/redis-url.js";

export type RedisRole = "producer" | "worker" | "subscriber";

/**
 * One Redis or a Redis Cluster, as REDIS_URL says (`redis+cluster://host:port,host:port`). Both
 * speak the same commands; in a cluster every key of ours carries the queue prefix's hash tag
 * (`{parlor}`, see clusterQueuePrefix), so BullMQ's scripts and our transactions stay in one slot.
 */
export type RedisClient = Redis | Cluster;

/**
 * Producers (the gateway) fail fast so an HTTP request gets a 503 instead of hanging; workers and
 * subscribers wait and reconnect forever, as BullMQ requires (`maxRetriesPerRequest: null`).
 */
function roleOptions(role: RedisRole): RedisOptions {
  if (role === "producer") {
    // The offline queue stays on (BullMQ sends commands while connecting), but a command waits for
    // at most one reconnection attempt and two seconds before it fails.
    return { maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 2000, retryStrategy: (times) => Math.min(times * 200, 2000) };
  }
  return { maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(times * 200, 5000) };
}

/** `redis+cluster://[user:password@]host:port,host:port`: the seed nodes and the credentials. */
export function parseClusterUrl(url: string): { nodes: Array<{ host: string; port: number }>; username?: string; password?: string; tls: boolean } {
  const match = /^(rediss?)\+cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)/.exec(url);
  if (!match) throw new Error("a cluster URL is redis+cluster://host:port,host:port");
  const nodes = match[4]!.split(",").map((hostPort) => {
    const node = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(hostPort);
    return { host: node?.[1] ?? node?.[2] ?? "", port: node?.[3] ? Number(node[3]) : node ? 6379 : NaN };
  });
  if (nodes.some((n) => !n.host || !Number.isInteger(n.port) || n.port <= 0 || n.port > 65535))
    throw new Error("a cluster URL lists host:port pairs");
  return {
    nodes,
    ...(match[2] ? { username: decodeURIComponent(match[2]) } : {}),
    ...(match[3] ? { password: decodeURIComponent(match[3]) } : {}),
    tls: match[1] === "rediss",
  };
}

/**
 * ioredis 6.0.0's Cluster.disconnect() never ends a client caught between reconnection attempts
 * (no node in its pool): it stays "disconnecting" and never emits "end". BullMQ's Worker.close()
 * waits for that "end" on its blocking connection (a duplicate of ours), so a worker whose blocking
 * connection was reconnecting after a failover never finished closing. This makes disconnect() end
 * such a client as ioredis ends one that never connected, for the client and its duplicates.
 */
function endingWhenStranded(cluster: Cluster): Cluster {
  const internals = cluster as unknown as { setStatus(status: string): void; handleCloseEvent(): void };
  const disconnect = cluster.disconnect.bind(cluster);
  cluster.disconnect = (reconnect = false) => {
    const stranded = !reconnect && cluster.status !== "wait" && cluster.status !== "end" && cluster.nodes().length === 0;
    disconnect(reconnect);
    if (stranded) {
      internals.setStatus("close");
      internals.handleCloseEvent();
    }
  };
  const duplicate = cluster.duplicate.bind(cluster);
  cluster.duplicate = ((...args: Parameters<Cluster["duplicate"]>) => endingWhenStranded(duplicate(...args))) as Cluster["duplicate"];
  return cluster;
}

export function createRedis(url: string, role: RedisRole): RedisClient {
  if (!isClusterUrl(url)) return new Redis(url, roleOptions(role));
  const { nodes, username, password, tls } = parseClusterUrl(url);
  const { retryStrategy, ...options } = roleOptions(role);
  const cluster = new Cluster(nodes, {
    clusterRetryStrategy: retryStrategy,
    // A failover moves slots: commands wait for the new primary instead of failing at once.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    // Learn the new primary soon after a failover, not only when a command is redirected.
    slotsRefreshInterval: 1000,
    redisOptions: { ...options, ...(username ? { username } : {}), ...(password ? { password } : {}), ...(tls ? { tls: {} } : {}) },
  });
  return endingWhenStranded(cluster);
}
