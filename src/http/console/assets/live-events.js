// Live updates: the admin API's Server-Sent Events read with fetch(), because EventSource cannot
// send the API key. Reconnects with a growing pause; stops for good when the key is refused.
import { session } from "./api.js";

const RETRY_MIN_MS = 2000;
const RETRY_MAX_MS = 30000;

/** Calls onEvent({conversationId}) for every change in the business; onOpen(open) when the stream opens or drops. */
export function followConversationEvents(businessPath, { onEvent, onOpen }) {
  const controller = new AbortController();
  let retryMs = RETRY_MIN_MS;
  let closed = false;

  async function connect() {
    while (!closed) {
      try {
        const res = await fetch(`/api/admin${businessPath}/events`, {
          headers: { authorization: `Bearer ${session.key() ?? ""}`, accept: "text/event-stream" },
          signal: controller.signal,
          cache: "no-store",
        });
        if (res.status === 401 || res.status === 403 || res.status === 404) return onOpen(false);
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        await read(res.body.getReader(), () => {
          retryMs = RETRY_MIN_MS;
          onOpen(true);
        });
      } catch {
        if (closed) return;
      }
      onOpen(false);
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
    }
  }

  async function read(reader, opened) {
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event === "ready") opened();
        else if (event === "conversation" && data) {
          try {
            onEvent(JSON.parse(data));
          } catch {
            // a malformed event is skipped; the next poll catches up
          }
        }
      }
    }
  }

  void connect();
  return {
    close() {
      closed = true;
      controller.abort();
    },
  };
}
