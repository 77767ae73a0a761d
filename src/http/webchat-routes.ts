import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { NAME_MAX_CHARS, type WebchatAdapter } from "../channels/webchat/webchat-adapter.js";
import { countChars } from "../domain/message-text.js";
import { InputError } from "../domain/errors.js";
import type { InboundMessage } from "../domain/inbound-message.js";
import type { ConversationMessage, ConversationReader } from "../ports/conversation-reader.js";
import type { InboundStore, StoredInbound } from "../ports/inbound-store.js";
import type { ReplyBus } from "../ports/reply-bus.js";
import { parseInput } from "./parse-input.js";

export interface WebchatRouteDeps {
  readonly adapter: WebchatAdapter;
  readonly accept: (message: InboundMessage) => Promise<StoredInbound>;
  readonly channels: Pick<InboundStore, "findChannel">;
  readonly reader: ConversationReader;
  readonly bus: ReplyBus;
}

const channelKey = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, "letters, digits, _ and - (1-100)");
const sessionId = z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, "16-128 letters, digits, _ or -");
const keyParams = z.object({ channelKey });
const sessionParams = z.object({ channelKey, sessionId });
const postBody = z.object({
  sessionId,
  clientMessageId: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, "1-128 letters, digits or _.:-"),
  text: z.string({ error: "text must be a string" }),
  name: z
    .string()
    .trim()
    .refine((name) => countChars(name) <= NAME_MAX_CHARS, `at most ${NAME_MAX_CHARS} characters`)
    .optional(),
});
const afterQuery = z.object({ after: z.coerce.number().int().min(0).default(0) });

const PAGE_SIZE = 200;
const HEARTBEAT_MS = 15_000;

/** The built-in web chat's API: post a message, read the conversation, stream new messages (SSE). */
export function registerWebchatRoutes(app: FastifyInstance, deps: WebchatRouteDeps): void {
  app.post("/api/webchat/:channelKey/messages", async (request, reply) => {
    const { channelKey: key } = parseInput(keyParams, request.params, "params");
    const body = parseInput(postBody, request.body, "body");
    const [message] = deps.adapter.toInbound({ channelKey: key, ...body });
    const stored = await deps.accept(message!);
    return reply.status(stored.duplicate ? 200 : 202).send({
      messageId: stored.messageId,
      duplicate: stored.duplicate,
      status: stored.answered ? "answered" : "queued",
    });
  });

  app.get("/api/webchat/:channelKey/sessions/:sessionId/messages", async (request) => {
    const conversationId = await findConversation(deps, request.params);
    const { after } = parseInput(afterQuery, request.query, "query");
    const messages = conversationId ? await deps.reader.listMessages(conversationId, after, PAGE_SIZE) : [];
    return { messages: messages.map(toJson) };
  });

  app.get("/api/webchat/:channelKey/sessions/:sessionId/events", async (request, reply) => {
    const conversationId = await findConversation(deps, request.params);
    if (!conversationId) throw new InputError("NO_CONVERSATION", "this session has not sent a message yet", 404);
    const lastEventId = Number(request.headers["last-event-id"]);
    let lastSeq = Number.isFinite(lastEventId) ? lastEventId : parseInput(afterQuery, request.query, "query").after;
    await streamEvents(reply, deps, conversationId, () => lastSeq, (seq) => (lastSeq = seq));
  });
}

async function findConversation(deps: WebchatRouteDeps, params: unknown): Promise<string | null> {
  const p = parseInput(sessionParams, params, "params");
  const channel = await deps.channels.findChannel("webchat", p.channelKey);
  if (!channel || !channel.enabled) throw new InputError("UNKNOWN_CHANNEL", `no active webchat channel ${p.channelKey}`, 404);
  return deps.reader.findConversationId(channel.id, p.sessionId);
}

async function streamEvents(
  reply: FastifyReply,
  deps: WebchatRouteDeps,
  conversationId: string,
  getSeq: () => number,
  setSeq: (seq: number) => void,
): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
  let flushing = Promise.resolve();
  const flush = () =>
    (flushing = flushing.then(async () => {
      const messages = await deps.reader.listMessages(conversationId, getSeq(), PAGE_SIZE);
      for (const m of messages) {
        res.write(`id: ${m.seq}\nevent: message\ndata: ${JSON.stringify(toJson(m))}\n\n`);
        setSeq(m.seq);
      }
    }).catch(() => undefined));
  const unsubscribe = await deps.bus.subscribe(conversationId, () => void flush());
  const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
  res.on("close", () => {
    clearInterval(heartbeat);
    void unsubscribe();
  });
  res.write("retry: 2000\n\n");
  await flush();
}

function toJson(m: ConversationMessage) {
  return { id: m.id, seq: m.seq, direction: m.direction, text: m.text, status: m.status, createdAt: m.createdAt.toISOString() };
}
