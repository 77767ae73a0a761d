import { setTimeout as sleep } from "node:timers/promises";
import { randomUUID } from "node:crypto";
import pRetry from "p-retry";

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

  /**
   * Sends with retries on 503 and network errors (5, after 0.5, 1, 2, 4, 8 s); the client message
   * id makes retries safe. name: the visitor's, optional.
   */
  async send(text: string, name?: string): Promise<string> {
    const clientMessageId = randomUUID();
    const body = JSON.stringify({ sessionId: this.sessionId, clientMessageId, text, ...(name ? { name } : {}) });
    return pRetry(
      async () => {
        const res = await fetch(`${this.api()}/messages`, { method: "POST", headers: { "content-type": "application/json" }, body }).catch(() => {
          throw new SendFailed("gateway unreachable", true);
        });
        const answer = (await res.json().catch(() => ({}))) as { messageId?: string; error?: { message?: string } };
        if (res.ok && answer.messageId) return answer.messageId;
        throw new SendFailed(answer.error?.message ?? `HTTP ${res.status}`, res.status === 503);
      },
      { retries: 5, minTimeout: 500, factor: 2, shouldRetry: ({ error }) => error instanceof SendFailed && error.retryable },
    );
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

class SendFailed extends Error {
  constructor(
    reason: string,
    readonly retryable: boolean,
  ) {
    super(`could not send: ${reason}`);
    this.name = "SendFailed";
  }
}
