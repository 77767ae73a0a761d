import net from "node:net";

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * An HTTP/1.1 POST from a client that writes its whole request before it reads anything, as
 * synchronous clients do (Python's http.client and requests, many webhook senders). Node's own
 * client and curl read while they write, so they see an early answer that this one would lose
 * when the server resets the connection. Resolves with the response, or rejects with the socket
 * error (EPIPE, ECONNRESET) the client got instead. `then` is a second request sent on the same
 * connection after the first answer, to show the connection is still usable.
 */
export function postWholeThenRead(
  port: number,
  path: string,
  body: Buffer,
  options: { chunked?: boolean; headers?: Record<string, string>; then?: { path: string; body: string } } = {},
): Promise<RawResponse[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.pause();
    socket.on("error", reject);
    const extra = Object.entries(options.headers ?? {})
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("");
    const framing = options.chunked ? "transfer-encoding: chunked\r\n" : `content-length: ${body.length}\r\n`;
    socket.write(`POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n${extra}${framing}\r\n`);
    const payload = options.chunked ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from("\r\n0\r\n\r\n")]) : body;
    socket.write(payload, (error) => {
      if (error) return;
      const responses: RawResponse[] = [];
      let buffer = Buffer.alloc(0);
      const wanted = options.then ? 2 : 1;
      socket.on("data", (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        for (let parsed = parseResponse(buffer); parsed; parsed = parseResponse(buffer)) {
          responses.push(parsed.response);
          buffer = buffer.subarray(parsed.length);
          if (responses.length === 1 && options.then) {
            const next = Buffer.from(options.then.body);
            socket.write(
              `POST ${options.then.path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${next.length}\r\n\r\n`,
            );
            socket.write(next);
          }
          if (responses.length === wanted) {
            socket.destroy();
            resolve(responses);
            return;
          }
        }
      });
      socket.on("end", () => reject(new Error(`the server closed the connection after ${responses.length} response(s)`)));
      socket.resume();
    });
  });
}

function parseResponse(buffer: Buffer): { response: RawResponse; length: number } | undefined {
  const end = buffer.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const [statusLine, ...lines] = buffer.subarray(0, end).toString("latin1").split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers["content-length"] ?? 0);
  if (buffer.length < end + 4 + length) return undefined;
  const status = Number(statusLine!.split(" ")[1]);
  return { response: { status, headers, body: buffer.subarray(end + 4, end + 4 + length).toString("utf8") }, length: end + 4 + length };
}
