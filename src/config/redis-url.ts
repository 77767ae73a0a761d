const CLUSTER_SCHEMES = ["redis+cluster://", "rediss+cluster://"];

/** REDIS_URL names a Redis Cluster: `redis+cluster://host:port,host:port` (seed nodes). */
export function isClusterUrl(url: string): boolean {
  return CLUSTER_SCHEMES.some((scheme) => url.startsWith(scheme));
}

/** In a cluster the prefix is a hash tag, so all of a deployment's keys hash to one slot (BullMQ's rule for clusters). */
export function clusterQueuePrefix(prefix: string): string {
  return /\{[^}]+\}/.test(prefix) ? prefix : `{${prefix}}`;
}
