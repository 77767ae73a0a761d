// Live updates: the admin API's Server-Sent Events through the browser's own EventSource, signed
// in by the session cookie. The browser reconnects by itself after a drop; when the server refuses
// the stream (signed out, no such business) it stops, and we look again after a growing pause.
import { api, statusOf } from "./api.js";

export interface ConversationEvent {
  readonly conversationId: string;
}

const RETRY_MIN_MS = 2000;
const RETRY_MAX_MS = 30000;

/**
 * Calls onEvent({conversationId}) for every change in the business; onOpen(open) when the stream
 * opens or drops. A stream refused because nobody is signed in any more signs the console out.
 */
export function followConversationEvents(
  businessPath: string,
  { onEvent, onOpen }: { onEvent: (event: ConversationEvent) => void; onOpen: (open: boolean) => void },
): { close(): void } {
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let retryMs = RETRY_MIN_MS;
  let closed = false;

  function connect() {
    if (closed) return;
    const opened = new EventSource(`/api/admin${businessPath}/events`);
    source = opened;
    opened.addEventListener("ready", () => {
      retryMs = RETRY_MIN_MS;
      onOpen(true);
    });
    opened.addEventListener("conversation", (event) => {
      try {
        onEvent(JSON.parse((event as MessageEvent<string>).data) as ConversationEvent);
      } catch {
        // a malformed event is skipped; the next poll catches up
      }
    });
    opened.addEventListener("error", () => {
      onOpen(false);
      // CONNECTING: the browser retries by itself. CLOSED: refused (or not an event stream).
      if (opened.readyState !== EventSource.CLOSED) return;
      source = null;
      // A 401 here signs the console out (api's handler); anything else: try again later.
      api("/session").then(
        () => schedule(),
        (error: unknown) => (statusOf(error) === 401 ? undefined : schedule()),
      );
    });
  }

  function schedule() {
    if (closed) return;
    timer = setTimeout(connect, retryMs);
    retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
  }

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      source?.close();
    },
  };
}
