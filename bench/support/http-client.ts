import http from "node:http";

export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

/** A small keep-alive JSON client over node:http (loopback only): lighter than fetch for load loops. */
export class HttpClient {
  private readonly agent: http.Agent;

  constructor(
    private readonly baseUrl: string,
    maxSockets: number,
  ) {
    const url = new URL(baseUrl);
    if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") throw new Error(`the bench only talks to loopback, not ${url.hostname}`);
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  post(path: string, body: unknown): Promise<JsonResponse> {
    return this.request("POST", path, JSON.stringify(body));
  }

  get(path: string): Promise<JsonResponse> {
    return this.request("GET", path);
  }

  close(): void {
    this.agent.destroy();
  }

  private request(method: string, path: string, payload?: string): Promise<JsonResponse> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        `${this.baseUrl}${path}`,
        {
          method,
          agent: this.agent,
          headers: payload === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let body: unknown = text;
            try {
              body = text ? JSON.parse(text) : undefined;
            } catch {
              // not JSON: keep the text
            }
            resolve({ status: res.statusCode ?? 0, body });
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.end(payload);
    });
  }
}
