import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";

export interface HttpStopSummary {
  /** Requests that were in flight when the stop began and were answered before the server closed. */
  readonly requestsDrained: number;
  /** Server-sent event streams ended (their clients reconnect, to another gateway). */
  readonly streamsEnded: number;
  /** Requests still running at the deadline, cut off with their connection (clients retry them). */
  readonly requestsCut: number;
  /** Client connections open when the stop began, all closed by the end. */
  readonly connectionsClosed: number;
}

/**
 * Closes `app` the way a stopping gateway should: new requests get 503 and no new connections are
 * accepted (Fastify's close), requests in flight are answered, event streams (which never end by
 * themselves) are ended, and whatever is still running after `deadlineMs` is cut off.
 */
export function drainableHttp(app: FastifyInstance): { close(deadlineMs: number): Promise<HttpStopSummary> } {
  const responses = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  app.server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  app.server.on("request", (_request, response: ServerResponse) => {
    responses.add(response);
    response.once("close", () => responses.delete(response));
  });
  // A stream has sent its headers and stays open; an ordinary reply is written and ended at once.
  const isStream = (response: ServerResponse) => response.headersSent && !response.writableEnded;
  let streamsEnded = 0;
  // After Fastify starts refusing requests (503), before the server waits for its connections to end.
  app.addHook("preClose", async () => {
    for (const response of responses) {
      if (isStream(response)) {
        response.end();
        streamsEnded += 1;
      } else if (!response.headersSent) {
        // Its connection ends with its answer, instead of idling until the keep-alive timeout.
        response.setHeader("connection", "close");
      }
      // Whatever ends from now on leaves an idle connection the server would otherwise wait for.
      response.once("finish", () => setImmediate(() => app.server.closeIdleConnections()));
    }
  });

  return {
    async close(deadlineMs) {
      const requests = [...responses].filter((r) => !isStream(r)).length;
      const connectionsClosed = sockets.size;
      const closed = app.close().then(() => "closed" as const);
      let requestsCut = 0;
      const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), deadlineMs).unref());
      if ((await Promise.race([closed, timeout])) === "timeout") {
        requestsCut = [...responses].filter((r) => !r.writableEnded).length;
        app.server.closeAllConnections();
        await closed;
      }
      return { requestsDrained: Math.max(0, requests - requestsCut), streamsEnded, requestsCut, connectionsClosed };
    },
  };
}
