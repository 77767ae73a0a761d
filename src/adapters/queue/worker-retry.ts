/**
 * How long a BullMQ worker waits before fetching or finishing jobs again after Redis dropped the
 * connection. BullMQ's default is 15 s: after a cluster failover (a new primary within a few
 * seconds) the worker would sit idle that long, replies delayed, though the gateway queues again.
 */
export const WORKER_RETRY = { runRetryDelay: 1000 } as const;
