import { eventFrame, KEEP_ALIVE_FRAME, openEventStream } from "../event-stream.js";
import type { ServerResponse } from "node:http";
import type { ConversationMessage, ConversationReader } from "../../../ports/conversation-reader.js";
import type { Logger } from "../../../ports/logger.js";
import { isTypingEvent, type ReplyBus } from "../../../ports/reply-bus.js";

const PAGE_SIZE = 200;
const DEFAULT_HEARTBEAT_MS = 15_000;

interface Stream {
  readonly res: ServerResponse;
  lastSeq: number;
}

/** Everything this gateway holds for one conversation: its open streams, one bus subscription, one read at a time. */
interface Feed {
  readonly conversationId: string;
  readonly streams: Set<Stream>;
  readonly subscription: Promise<(() => Promise<void>) | null>;
  reading: Promise<void> | null;
  /** An event arrived during the read: read once more when it ends. */
  again: boolean;
}

export interface StreamStats {
  /** Conversations with at least one open stream on this gateway (each holds one bus subscription). */
  readonly conversations: number;
  readonly streams: number;
  /** Whether the shared heartbeat timer runs (only while a stream is open). */
  readonly heartbeat: boolean;
  /** Database reads done for streams since start (one per event per conversation, whatever the number of streams). */
  readonly reads: number;
}

/**
 * The web chat's server-sent event streams on this gateway, fanned out per conversation: every
 * stream of a conversation shares one reply-bus subscription and one database read per event
 * (from the oldest position any of them has shown), and all streams share one heartbeat timer.
 * A stream is registered, and its close handler attached, before anything is awaited; a
 * conversation's last stream closing drops its subscription, and the last stream at all stops the
 * timer, so a client that resets leaves nothing behind.
 */
export class ConversationStreams {
  private readonly feeds = new Map<string, Feed>();
  private heartbeat: NodeJS.Timeout | null = null;
  private reads = 0;
  private streamCount = 0;

  constructor(
    private readonly deps: { readonly reader: ConversationReader; readonly bus: ReplyBus; readonly logger: Logger; readonly heartbeatMs?: number },
  ) {}

  /**
   * Starts the event stream on `res` (already hijacked from Fastify) for messages after `afterSeq`.
   * Synchronous up to the point where the stream is registered; `onClose` runs once when it ends.
   */
  open(conversationId: string, res: ServerResponse, afterSeq: number, onClose?: () => void): void {
    if (res.destroyed || res.writableEnded) {
      onClose?.();
      return;
    }
    const stream: Stream = { res, lastSeq: afterSeq };
    const feed = this.feedFor(conversationId);
    feed.streams.add(stream);
    this.streamCount += 1;
    this.startHeartbeat();
    res.once("close", () => {
      this.streamCount -= 1;
      feed.streams.delete(stream);
      if (feed.streams.size === 0) this.dropFeed(feed);
      if (this.streamCount === 0) this.stopHeartbeat();
      onClose?.();
    });
    openEventStream(res, 2000);
    this.read(feed);
    // After the subscription, so a turn starting meanwhile is seen one way or the other.
    void feed.subscription
      .then(() => this.deps.bus.isTyping(conversationId))
      .then((typing) => typing && !res.destroyed && !res.writableEnded && res.write(typingFrame(true)))
      .catch(() => undefined);
  }

  stats(): StreamStats {
    return { conversations: this.feeds.size, streams: this.streamCount, heartbeat: this.heartbeat !== null, reads: this.reads };
  }

  private feedFor(conversationId: string): Feed {
    const existing = this.feeds.get(conversationId);
    if (existing) return existing;
    const feed: Feed = {
      conversationId,
      streams: new Set(),
      reading: null,
      again: false,
      // Redis unreachable: the streams still get what is stored now and the heartbeat; their clients reconnect later.
      subscription: this.deps.bus
        .subscribe(conversationId, (event) => (isTypingEvent(event) ? this.typing(feed, event.typing) : this.read(feed)))
        .catch((error: unknown) => {
          this.deps.logger.warn({ err: error, conversationId }, "web chat stream could not subscribe to replies");
          return null;
        }),
    };
    this.feeds.set(conversationId, feed);
    return feed;
  }

  private dropFeed(feed: Feed): void {
    if (this.feeds.get(feed.conversationId) === feed) this.feeds.delete(feed.conversationId);
    void feed.subscription.then((unsubscribe) => unsubscribe?.()).catch(() => undefined);
  }

  /** One read for all the conversation's streams; events during a read cause exactly one more. */
  private read(feed: Feed): void {
    if (feed.reading) {
      feed.again = true;
      return;
    }
    if (feed.streams.size === 0) return;
    feed.reading = this.readOnce(feed).finally(() => {
      feed.reading = null;
      if (feed.again) {
        feed.again = false;
        this.read(feed);
      }
    });
  }

  private async readOnce(feed: Feed): Promise<void> {
    const from = Math.min(...[...feed.streams].map((s) => s.lastSeq));
    this.reads += 1;
    let messages: ConversationMessage[];
    try {
      messages = await this.deps.reader.listMessages(feed.conversationId, from, PAGE_SIZE);
    } catch {
      return; // the next event, or the client's reconnect, reads again
    }
    for (const stream of feed.streams) {
      if (stream.res.destroyed || stream.res.writableEnded) continue;
      for (const m of messages) {
        if (m.seq <= stream.lastSeq) continue;
        stream.res.write(eventFrame("message", messageJson(m), m.seq));
        stream.lastSeq = m.seq;
      }
    }
    // A full page: there may be more.
    if (messages.length === PAGE_SIZE) feed.again = true;
  }

  private typing(feed: Feed, on: boolean): void {
    const frame = typingFrame(on);
    for (const s of feed.streams) if (!s.res.destroyed && !s.res.writableEnded) s.res.write(frame);
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      for (const feed of this.feeds.values())
        for (const s of feed.streams) if (!s.res.destroyed && !s.res.writableEnded) s.res.write(KEEP_ALIVE_FRAME);
    }, this.deps.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}

const typingFrame = (on: boolean) => eventFrame("typing", { typing: on });

/** A message as the web chat API shows it. */
export function messageJson(m: ConversationMessage) {
  return { id: m.id, seq: m.seq, direction: m.direction, text: m.text, status: m.status, createdAt: m.createdAt.toISOString() };
}
