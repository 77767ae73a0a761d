import { setTimeout as sleep } from "node:timers/promises";
import { randomUUID } from "node:crypto";

export interface ChatLine {
  readonly id: string;
  readonly seq: number;
  readonly direction: "inbound" | "outbound";
  readonly text: string;
}

/** A web chat client over HTTP, as the chat page does it: used by the terminal chat and `demo --say`. */
export class WebchatClient {
  private lastSeq = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly channelKey: string,
    readonly sessionId = randomUUID().replaceAll("-", ""),
  ) {}

  /** Sends with retries on 503 and network errors; the client message id makes retries safe. name: the visitor's, optional. */
  async send(text: string, name?: string): Promise<string> {
    const clientMessageId = randomUUID();
    for (let attempt = 0; ; attempt++) {
      let status = 0;
      let body: { messageId?: string; error?: { message?: string } } = {};
      try {
        const res = await fetch(`${this.api()}/messages`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ sessionId: this.sessionId, clientMessageId, text, ...(name ? { name } : {}) }),
        });
        status = res.status;
        body = (await res.json().catch(() => ({}))) as typeof body;
      } catch {
        status = 0;
      }
      if (status >= 200 && status < 300 && body.messageId) return body.messageId;
      if ((status !== 503 && status !== 0) || attempt >= 5) {
        throw new Error(`could not send: ${body.error?.message ?? (status ? `HTTP ${status}` : "gateway unreachable")}`);
      }
      await sleep(500 * 2 ** attempt);
    }
  }

  /** Waits for the first reply after everything seen so far. */
  async waitForReply(timeoutMs: number): Promise<ChatLine> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      // The session id goes in a header, never in the URL.
      const res = await fetch(`${this.api()}/messages?after=${this.lastSeq}`, { headers: { "x-webchat-session": this.sessionId } });
      if (res.ok) {
        const { messages } = (await res.json()) as { messages: ChatLine[] };
        for (const m of messages) {
          this.lastSeq = Math.max(this.lastSeq, m.seq);
          if (m.direction === "outbound") return m;
        }
      }
      // Within the web chat's read limit per address (WEBCHAT_READS_PER_MINUTE_PER_IP, 300 by default).
      await sleep(400);
    }
    throw new Error(`no reply within ${Math.round(timeoutMs / 1000)} s`);
  }

  private api(): string {
    return `${this.baseUrl}/api/webchat/${encodeURIComponent(this.channelKey)}`;
  }
}
