import { setTimeout as sleep } from "node:timers/promises";
import { randomBytes, randomUUID } from "node:crypto";
import type { CheckedOutcome, TurnRecord } from "../../app/persona-checks/evaluate-expectations.js";
import type { ModelCallLog } from "../../adapters/llm/model-call-log.js";
import { isTypingEvent, type ReplyBus } from "../../ports/reply-bus.js";
import type { Db } from "../../adapters/storage/create-db.js";
import type { SeededBusiness } from "../../adapters/storage/seed-business.js";
import type { TurnOutcome } from "../../app/turn/handle-turn.js";

/** A turn's outcome as the worker reported it, with how many prompts the model had been asked for the conversation by then. */
export interface ObservedOutcome {
  readonly outcome: TurnOutcome;
  readonly promptsSoFar: number;
}

export interface CheckConversationDeps {
  readonly baseUrl: string;
  readonly db: Db;
  readonly bus: ReplyBus;
  readonly business: SeededBusiness;
  readonly model: ModelCallLog;
  readonly outcomesOf: (conversationId: string) => readonly ObservedOutcome[];
  readonly stepTimeoutMs: number;
}

const POLL_MS = 25;
const FAILED_CHECK_EVERY = 40;
const EARLIER_TODAY_MS = 2 * 3_600_000;

/**
 * One scripted conversation, as a web chat visitor has it: each step's messages are posted to the
 * gateway, and the step ends when the worker has settled every one of them (answered, skipped, or
 * left waiting in a paused conversation) and the web chat adapter has announced every reply.
 */
export class CheckConversation {
  private readonly sessionId = randomBytes(12).toString("hex");
  private conversationId: string | undefined;
  private channelId: string | undefined;
  private readonly announced = new Set<string>();
  private handoffsSeen = 0;

  constructor(private readonly deps: CheckConversationDeps) {}

  /**
   * Sends `texts` as one burst and returns the turns that settled them: back to back, or with
   * `atOnce` all together in no particular order (a flood).
   */
  async step(texts: readonly string[], options: { alreadySentToday?: number; atOnce?: boolean } = {}): Promise<TurnRecord[]> {
    const conversationId = await this.open();
    if (options.alreadySentToday) await this.recordEarlierToday(conversationId, options.alreadySentToday);
    const seen = this.deps.outcomesOf(conversationId).length;
    const ids: string[] = [];
    if (options.atOnce) ids.push(...(await Promise.all(texts.map((text) => this.post(text)))));
    else for (const text of texts) ids.push(await this.post(text));
    const outcomes = await this.settled(conversationId, seen, ids);
    const messages = await this.deps.db.message.findMany({
      where: { id: { in: ids } },
      orderBy: { seq: "asc" },
      select: { text: true, status: true, replyId: true },
    });
    const conversation = await this.deps.db.conversation.findUniqueOrThrow({ where: { id: conversationId }, select: { agentPaused: true } });
    const prompts = this.deps.model.promptsFor(conversationId);
    const handoffs = await this.deps.db.handoff.findMany({
      where: { conversationId },
      orderBy: { createdAt: "asc" },
      select: { reason: true, status: true, notify: true, error: true },
    });
    const freshHandoffs = handoffs.slice(this.handoffsSeen);
    this.handoffsSeen = handoffs.length;
    const skipped = messages.filter((m) => m.status === "skipped").map((m) => m.text);
    const records: TurnRecord[] = [];
    let promptsBefore = seen > 0 ? this.deps.outcomesOf(conversationId)[seen - 1]!.promptsSoFar : 0;
    for (const { outcome, promptsSoFar } of outcomes) {
      const asked = prompts.slice(promptsBefore, promptsSoFar);
      promptsBefore = promptsSoFar;
      const prompt = asked.at(-1);
      const base = {
        modelCalls: asked.length,
        paused: conversation.agentPaused,
        userTurns: prompt ? prompt.turns.filter((t) => t.role === "user").length : 0,
        ...(prompt ? { renderedPrompt: await this.deps.model.renderPrompt(prompt) } : {}),
      };
      if (outcome.kind === "answered") {
        const text = await this.announcedText(outcome.replyId);
        const answered = messages.filter((m) => m.replyId === outcome.replyId).map((m) => m.text);
        const checked = answeredOutcome(outcome, text, asked.length);
        const recorded = checked.kind === "handoff" ? freshHandoffs.find((h) => h.reason === checked.reason) : undefined;
        records.push({ ...base, texts: answered, outcome: checked, ...(recorded ? { handoffRecorded: recorded } : {}) });
      } else if (outcome.kind === "skipped") {
        records.push({ ...base, texts: skipped.splice(0, outcome.skipped), outcome: { kind: "ignored", reason: outcome.reason } });
      } else if (outcome.kind === "paused") {
        const waiting = messages.filter((m) => m.status === "received").map((m) => m.text);
        records.push({ ...base, texts: waiting, outcome: { kind: "ignored", reason: "paused: waits for a person" } });
      }
    }
    return records;
  }

  private async post(text: string): Promise<string> {
    const res = await fetch(`${this.deps.baseUrl}/api/webchat/${this.deps.business.channelKey}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sessionId: this.sessionId, clientMessageId: randomUUID(), text }),
    });
    const body = (await res.json()) as { messageId?: string; error?: { message?: string } };
    if (res.status !== 202 || !body.messageId)
      throw new Error(`the gateway refused a scripted message (HTTP ${res.status}): ${body.error?.message ?? "no message id"}`);
    return body.messageId;
  }

  /**
   * The session's conversation, created as the gateway's ingest creates it (contact and conversation
   * upserted on the same keys), so its reply announcements are heard from the first message on and
   * a first step that is a flood arrives all at once.
   */
  private async open(): Promise<string> {
    if (this.conversationId) return this.conversationId;
    const { db, business } = this.deps;
    const channel = await db.channel.findUniqueOrThrow({
      where: { kind_platformAccountId: { kind: "webchat", platformAccountId: business.channelKey } },
      select: { id: true },
    });
    const contact = await db.contact.upsert({
      where: { channelId_platformUserId: { channelId: channel.id, platformUserId: this.sessionId } },
      create: { businessId: business.businessId, channelId: channel.id, platformUserId: this.sessionId },
      update: {},
      select: { id: true },
    });
    const conversation = await db.conversation.upsert({
      where: { channelId_contactId: { channelId: channel.id, contactId: contact.id } },
      create: { businessId: business.businessId, channelId: channel.id, contactId: contact.id },
      update: {},
      select: { id: true, channelId: true },
    });
    await this.deps.bus.subscribe(conversation.id, (event) => void (isTypingEvent(event) || this.announced.add(event.messageId)));
    this.conversationId = conversation.id;
    this.channelId = conversation.channelId;
    return conversation.id;
  }

  /** Waits until the worker's turns have settled every message of the step. */
  private async settled(conversationId: string, seen: number, ids: readonly string[]): Promise<readonly ObservedOutcome[]> {
    const deadline = Date.now() + this.deps.stepTimeoutMs;
    for (let polls = 0; ; ) {
      const outcomes = this.deps
        .outcomesOf(conversationId)
        .slice(seen)
        .filter((o) => ["answered", "skipped", "paused"].includes(o.outcome.kind));
      const covered = outcomes.reduce((n, { outcome: o }) => n + (o.kind === "answered" ? o.answered : o.kind === "skipped" ? o.skipped : 0), 0);
      if (covered >= ids.length || outcomes.some((o) => o.outcome.kind === "paused")) return outcomes;
      // A turn that failed for good reports no outcome; its messages are marked failed instead.
      // Looked up now and then only: the outcomes come from memory, the database may be PGlite on this thread.
      if (++polls % FAILED_CHECK_EVERY === 0) {
        const failed = await this.deps.db.message.count({ where: { id: { in: [...ids] }, status: "failed" } });
        if (failed > 0) throw new Error(`the worker failed ${failed} of the step's messages (see the message's error in the database)`);
      }
      if (Date.now() > deadline) throw new Error(`no turn settled the step's ${ids.length} message(s) within ${this.deps.stepTimeoutMs} ms`);
      await sleep(POLL_MS);
    }
  }

  /** The reply's text, once the web chat adapter has announced it (the bus carries ids; the text is read as the gateway reads it). */
  private async announcedText(replyId: string): Promise<string> {
    const deadline = Date.now() + this.deps.stepTimeoutMs;
    while (!this.announced.has(replyId)) {
      if (Date.now() > deadline) throw new Error(`reply ${replyId} was stored but the web chat adapter never announced it`);
      await sleep(POLL_MS);
    }
    return (await this.deps.db.message.findUniqueOrThrow({ where: { id: replyId }, select: { text: true } })).text;
  }

  /**
   * The sender's earlier messages today (a script's `alreadySentToday`): stored as inbound messages
   * from two hours ago that were skipped, so they count towards the daily cap and stay out of the prompt.
   */
  private async recordEarlierToday(conversationId: string, count: number): Promise<void> {
    const createdAt = new Date(Date.now() - EARLIER_TODAY_MS);
    await this.deps.db.message.createMany({
      data: Array.from({ length: count }, (_, i) => ({
        businessId: this.deps.business.businessId,
        conversationId,
        channelId: this.channelId!,
        direction: "inbound" as const,
        text: `(earlier message ${i + 1})`,
        status: "skipped" as const,
        error: "persona:check: sent earlier today",
        createdAt,
      })),
    });
  }
}

function answeredOutcome(outcome: Extract<TurnOutcome, { kind: "answered" }>, text: string, modelCalls: number): CheckedOutcome {
  const reason = outcome.decidedBy;
  if (reason?.startsWith("handoff:") || reason?.startsWith("safety:")) return { kind: "handoff", text, reason };
  if (reason) return { kind: "reply", text, reason };
  if (modelCalls === 0) return { kind: "reply", text, reason: "non-text" };
  return { kind: "generated", text, ...(outcome.flagged ? { flagged: outcome.flagged } : {}) };
}
