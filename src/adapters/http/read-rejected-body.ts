import type { IncomingMessage } from "node:http";
import type { FastifyInstance } from "fastify";

export interface RejectedBodyLimits {
  /** Most bytes of a refused body read (and thrown away) before the connection is cut. */
  readonly maxBytes: number;
  /** Longest time spent reading them. */
  readonly maxMs: number;
}

const DEFAULTS: RejectedBodyLimits = { maxBytes: 32 * 1024 * 1024, maxMs: 10_000 };

/**
 * Lets a client that sent a body over the limit read the 413. Fastify answers it with
 * `connection: close` before reading the rest of the body, and Node then closes the socket while
 * the client is still sending: the unread bytes make the kernel reset the connection, and a client
 * that writes its whole request before reading (most synchronous clients) gets EPIPE or ECONNRESET
 * instead of the answer, which the reset may also discard from its buffer (RFC 9112 section 9.6,
 * "the TCP reset problem"). So the rest of the body is read and thrown away, and the connection
 * kept: up to `maxBytes` or `maxMs`, after which it is cut as before (a declared length over
 * `maxBytes` is cut at once).
 */
export function readRejectedBodies(app: FastifyInstance, limits: RejectedBodyLimits = DEFAULTS): void {
  app.addHook("onError", async (request, reply, error) => {
    if ((error as { code?: unknown }).code !== "FST_ERR_CTP_BODY_TOO_LARGE") return;
    const declared = Number(request.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limits.maxBytes) return;
    reply.removeHeader("connection");
    discardRest(request.raw, limits);
  });
}

function discardRest(raw: IncomingMessage, limits: RejectedBodyLimits): void {
  if (raw.complete) return;
  let bytes = 0;
  const cut = () => {
    stop();
    raw.socket?.destroy();
  };
  const timer = setTimeout(cut, limits.maxMs);
  timer.unref();
  const onData = (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > limits.maxBytes) cut();
  };
  const stop = () => {
    clearTimeout(timer);
    raw.removeListener("data", onData);
    raw.removeListener("end", stop);
    raw.removeListener("close", stop);
    raw.socket?.removeListener("close", stop);
  };
  raw.on("data", onData);
  raw.once("end", stop);
  raw.once("close", stop);
  raw.socket?.once("close", stop);
  raw.resume();
}
