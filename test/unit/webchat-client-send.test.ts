import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebchatClient } from "../../src/main/webchat-client.js";

// The terminal chat's sends against a gateway on loopback that answers what each test queues.
const answers: Array<{ status: number; body: unknown }> = [];
const requests: Array<{ url: string; body: { clientMessageId: string; text: string } }> = [];
let server: http.Server;
let baseUrl: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      requests.push({ url: req.url ?? "", body: JSON.parse(raw) });
      const answer = answers.shift() ?? { status: 500, body: {} };
      res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("WebchatClient.send", () => {
  it("tries again after a 503, 0.5 s then 1 s later, with the same client message id", async () => {
    requests.length = 0;
    answers.push({ status: 503, body: {} }, { status: 503, body: { error: { message: "busy" } } }, { status: 202, body: { messageId: "m-1" } });
    const started = Date.now();
    expect(await new WebchatClient(baseUrl, "demo").send("hello")).toBe("m-1");
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(5000);
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.body.clientMessageId)).size).toBe(1);
    expect(requests[0]!.url).toBe("/api/webchat/demo/messages");
  });

  it("does not try again what the gateway refused, and says why", async () => {
    requests.length = 0;
    answers.push({ status: 429, body: { error: { message: "slow down" } } }, { status: 200, body: {} });
    await expect(new WebchatClient(baseUrl, "demo").send("hello")).rejects.toThrow("could not send: slow down");
    await expect(new WebchatClient(baseUrl, "demo").send("hello")).rejects.toThrow("could not send: HTTP 200");
    expect(requests).toHaveLength(2);
  });
});
