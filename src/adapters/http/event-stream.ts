import type { ServerResponse } from "node:http";

/** Starts a server-sent event stream: no caching, no proxy buffering; the client reconnects after `retryMs`. */
export function openEventStream(res: ServerResponse, retryMs: number): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive", "x-accel-buffering": "no" });
  res.write(`retry: ${retryMs}\n\n`);
}

/** One event: its name, its data as JSON, and an id the client sends back as Last-Event-ID. */
export function eventFrame(event: string, data: unknown, id?: number | string): string {
  return `${id !== undefined ? `id: ${id}\n` : ""}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A comment line: keeps the connection (and any proxy on the way) from timing out. */
export const KEEP_ALIVE_FRAME = ": keep-alive\n\n";
