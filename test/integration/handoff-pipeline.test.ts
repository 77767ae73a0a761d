import { randomBytes, randomUUID } from "node:crypto";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { sealChannelCredentials } from "../../src/domain/secrets/channel-credentials.js";
import { parseSecretKey } from "../../src/domain/secrets/secret-box.js";
import { createAdminStore } from "../../src/adapters/storage/admin/admin-store.js";
import { TEST_BUSINESS_SETTINGS } from "../../test-kit/test-config.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { AppendingChatModel } from "../../test-kit/appending-chat-model.js";
import { FakeGraphServer } from "../../test-kit/fake-graph-server.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// Handoffs and escalations through the real pipeline (gateway, PostgreSQL, BullMQ, worker, the
// tiny model): the customer is told, the handoff is recorded with the reply, the agent pauses,
// and the owner gets a notice through the channel their persona names (a WhatsApp Cloud API
// channel against a fake Graph server). Replies the guardrails replace are kept for the admin.
const SECRETS_KEY = randomBytes(32).toString("base64");
const PUBLIC_URL = "https://bot.sunrise.example";
const SUNRISE_WA = "106540352242922";
const MIA_WA = "106540352249999";
const SUNRISE_OWNER = { to: "+1 (650) 555-0100", wa: "16505550100" };
const MIA_OWNER = { to: "+44 7700 900123", wa: "447700900123" };
const HANDOFF_TEXT = "Thanks for telling me. I've passed this on to the owner, who will reply to you personally as soon as possible.";

const logLines: string[] = [];
const logStream = new PassThrough();
logStream.on("data", (d: Buffer) => logLines.push(d.toString()));

let pipeline: TestPipeline;
let graph: FakeGraphServer;
let sunriseAuth: string;
let sunriseId: string;

/** A prompts/ template with its owner replaced, as a business would configure it. */
async function personaWithOwner(template: string, owner: { channel: string; to: string }) {
  const { persona } = await loadPersonaTemplate(template);
  return { template, persona: { ...persona, settings: { ...persona.settings, owner: owner as typeof persona.settings.owner } } };
}

async function addWhatsappChannel(businessId: string, phoneNumberId: string) {
  const db = pipeline.database.db;
  const channel = await db.channel.create({ data: { businessId, kind: "whatsapp_cloud", platformAccountId: phoneNumberId, name: "WhatsApp" } });
  const sealed = sealChannelCredentials(
    { accessToken: `token-${phoneNumberId}`, appSecret: "app-secret", verifyToken: "x" },
    parseSecretKey(SECRETS_KEY),
    channel.id,
  );
  const secret = await db.channelSecret.create({
    data: { channelId: channel.id, ...sealed, ciphertext: Buffer.from(sealed.ciphertext), iv: Buffer.from(sealed.iv), tag: Buffer.from(sealed.tag) },
  });
  await db.channel.update({ where: { id: channel.id }, data: { credentialsRef: secret.id } });
}

beforeAll(async () => {
  graph = await FakeGraphServer.start();
  pipeline = await startTestPipeline({
    settings: { replyMaxTokens: 16 },
    env: { META_GRAPH_BASE_URL: graph.baseUrl, CHANNEL_SECRETS_KEY: SECRETS_KEY, PUBLIC_BASE_URL: `${PUBLIC_URL}/` },
    businesses: { plain: "support-bakery" },
    logger: createLogger("debug", "test", logStream),
    wrapModel: (real) =>
      new AppendingChatModel(real, [
        // The model recites its instructions, names the competitor, invents a price.
        ["secret recipe", (prompt) => prompt.system.slice(0, 400)],
        ["other bakeries", () => "You could also try Crusty Corner across the road."],
        ["baguette cost", () => "A baguette is 1.99 today."],
      ]),
  });
  const db = pipeline.database.db;
  sunriseId = (
    await seedBusiness(db, await personaWithOwner("support-bakery", { channel: "whatsapp_cloud", to: SUNRISE_OWNER.to }), "sunrise", {
      ...TEST_BUSINESS_SETTINGS,
      replyMaxTokens: 16,
    })
  ).businessId;
  await addWhatsappChannel(sunriseId, SUNRISE_WA);
  // Its owner should hear through Instagram, but the business has no Instagram channel.
  await seedBusiness(db, await personaWithOwner("support-bakery", { channel: "instagram", to: "17841400000000001" }), "corner", {
    ...TEST_BUSINESS_SETTINGS,
    replyMaxTokens: 16,
  });
  const mia = await seedBusiness(db, await personaWithOwner("fan-creator", { channel: "whatsapp_cloud", to: MIA_OWNER.to }), "mia", {
    ...TEST_BUSINESS_SETTINGS,
    replyMaxTokens: 16,
  });
  await addWhatsappChannel(mia.businessId, MIA_WA);
  sunriseAuth = `Bearer ${(await issueApiKey(createAdminStore(db).apiKeys, { businessId: sunriseId, name: "sunrise" })).key}`;
});

afterAll(async () => {
  await pipeline?.close();
  await graph?.close();
});

/** One message from a fresh web chat visitor; waits until the turn has stored its reply. */
async function say(channel: string, text: string) {
  const res = await pipeline.gateway.app.inject({
    method: "POST",
    url: `/api/webchat/${channel}/messages`,
    payload: { sessionId: randomUUID().replaceAll("-", ""), clientMessageId: randomUUID(), text },
  });
  expect(res.statusCode).toBe(202);
  const id = res.json().messageId as string;
  for (let i = 0; i < 300; i++) {
    const row = await pipeline.database.db.message.findUniqueOrThrow({
      where: { id },
      include: { reply: { include: { turn: true, flag: true } }, conversation: true },
    });
    if (row.status !== "received") return row;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("no turn");
}

/** The conversation's handoff once its status is settled (not pending any more). */
async function settledHandoff(conversationId: string) {
  for (let i = 0; i < 200; i++) {
    const row = await pipeline.database.db.handoff.findFirst({ where: { conversationId } });
    if (row && row.status !== "pending") return row;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the handoff stayed pending");
}

const textSendsTo = (phoneNumberId: string, to: string) =>
  graph.requests.filter(
    (r) =>
      r.path === `/v23.0/${phoneNumberId}/messages` &&
      (r.body as { to?: string; type?: string }).to === to &&
      (r.body as { type?: string }).type === "text",
  );

describe("support agent handoff", () => {
  it("a refund request: the customer is told, the handoff is recorded, the agent pauses, the owner gets a WhatsApp notice", async () => {
    const before = pipeline.model.prompts.length;
    const row = await say("sunrise", "The cake was awful, I want a refund");
    expect(pipeline.model.prompts.length).toBe(before);
    expect(row.reply!.text).toBe(HANDOFF_TEXT);
    expect(row.conversation).toMatchObject({ agentPaused: true, pausedBy: "handoff" });

    const handoff = await settledHandoff(row.conversationId);
    expect(handoff).toMatchObject({
      businessId: sunriseId,
      reason: "handoff:refund",
      notify: `whatsapp_cloud:${SUNRISE_OWNER.to}`,
      status: "notified",
      error: null,
    });
    expect(handoff.notifiedAt).toBeInstanceOf(Date);

    const [send, ...more] = textSendsTo(SUNRISE_WA, SUNRISE_OWNER.wa);
    expect(more).toHaveLength(0);
    expect(send!.headers.authorization).toBe(`Bearer token-${SUNRISE_WA}`);
    const body = (send!.body as { text: { body: string } }).text.body;
    expect(body).toBe(
      `Handoff (refund): someone on web chat needs you; the agent is paused in that conversation. Open ${PUBLIC_URL}/console/#/inbox/${row.conversationId}`,
    );
    expect(body).not.toContain("awful");

    // The notice lives in the owner's own conversation on that channel, where the agent is paused.
    const notice = await pipeline.database.db.message.findUniqueOrThrow({
      where: { id: handoff.noticeMessageId! },
      include: { conversation: { include: { contact: true } } },
    });
    expect(notice).toMatchObject({ kind: "owner-notice", direction: "outbound", status: "sent", text: body });
    expect(notice.conversation).toMatchObject({ agentPaused: true, pausedBy: "admin", contact: { platformUserId: SUNRISE_OWNER.wa } });

    // Paused: the customer's next message gets no answer from the agent.
    const again = await pipeline.gateway.app.inject({
      method: "POST",
      url: "/api/webchat/sunrise/messages",
      payload: {
        sessionId: (await pipeline.database.db.contact.findUniqueOrThrow({ where: { id: row.conversation.contactId } })).platformUserId,
        clientMessageId: randomUUID(),
        text: "Hello?",
      },
    });
    expect(again.statusCode).toBe(202);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await pipeline.database.db.message.findUniqueOrThrow({ where: { id: again.json().messageId } })).status).toBe("received");
  });

  it("a reply that invents a price is replaced by the handoff text, flagged, and hands off to the owner", async () => {
    const row = await say("sunrise", "How much does a baguette cost?");
    expect(row.reply!.text).toBe(HANDOFF_TEXT);
    expect(row.reply!.flag).toMatchObject({ reason: expect.stringContaining("contradicts-facts") });
    expect(row.reply!.flag!.reason).toContain("1.99");
    expect(row.reply!.flag!.modelText).toContain("A baguette is 1.99 today.");
    expect(row.conversation).toMatchObject({ agentPaused: true, pausedBy: "handoff" });
    const handoff = await settledHandoff(row.conversationId);
    expect(handoff).toMatchObject({ reason: "handoff:contradicts-facts", status: "notified" });
    expect(textSendsTo(SUNRISE_WA, SUNRISE_OWNER.wa).map((r) => (r.body as { text: { body: string } }).text.body)).toContain(
      `Handoff (the agent could not confirm a price or time): someone on web chat needs you; the agent is paused in that conversation. Open ${PUBLIC_URL}/console/#/inbox/${row.conversationId}`,
    );
  });

  it("a notice WhatsApp refuses fails the handoff with the platform's reason; the customer was still told", async () => {
    graph.failNext(1, {
      status: 400,
      body: { error: { message: "(#131047) Re-engagement message", type: "OAuthException", code: 131047, fbtrace_id: "AbCd" } },
    });
    const row = await say("sunrise", "I want to speak to a human please");
    expect(row.reply!.text).toBe(HANDOFF_TEXT);
    const handoff = await settledHandoff(row.conversationId);
    expect(handoff.status).toBe("failed");
    expect(handoff.error).toMatch(/^the notice to the owner was not delivered: .*131047/);
    expect(handoff.notifiedAt).toBeNull();
  });

  it("an owner channel the business does not have: the handoff fails with a clear error, the customer is still told", async () => {
    const row = await say("corner", "This is unacceptable, I want to complain");
    expect(row.reply!.text).toBe(HANDOFF_TEXT);
    expect(row.conversation).toMatchObject({ agentPaused: true, pausedBy: "handoff" });
    const handoff = await settledHandoff(row.conversationId);
    expect(handoff).toMatchObject({ reason: "handoff:complaint", status: "failed", noticeMessageId: null });
    expect(handoff.error).toBe(
      "no enabled instagram channel in this business to notify the owner through: add one, or set the persona's owner channel to admin",
    );
  });

  it("an owner reached through the console only: notified at once, nothing sent", async () => {
    const outbound = await pipeline.database.db.message.count({ where: { direction: "outbound" } });
    const row = await say("plain", "Can I talk to a real person?");
    const handoff = await settledHandoff(row.conversationId);
    expect(handoff).toMatchObject({ reason: "handoff:human", notify: "admin", status: "notified", noticeMessageId: null });
    expect(await pipeline.database.db.message.count({ where: { direction: "outbound" } })).toBe(outbound + 1);
  });
});

describe("replies the guardrails replace", () => {
  it("a reply reciting the system prompt is replaced by the fallback and kept for the admin, without a handoff", async () => {
    const row = await say("plain", "Tell me your secret recipe");
    const flag = row.reply!.flag!;
    expect(flag.reason).toBe("system-prompt-leak");
    expect(row.reply!.text).toBe("Sorry, I can't give you a reliable answer to that here. Could you ask me another way?");
    expect(flag.modelText).toContain(pipeline.model.prompts.at(-1)!.system.slice(0, 400));
    expect(row.conversation.agentPaused).toBe(false);
    expect(await pipeline.database.db.handoff.count({ where: { conversationId: row.conversationId } })).toBe(0);
  });

  it("a reply naming a blocklisted competitor is replaced and kept, and the admin API lists it", async () => {
    const row = await say("sunrise", "Are there other bakeries nearby?");
    expect(row.reply!.flag).toMatchObject({ reason: "blocklist: Crusty Corner" });
    expect(row.reply!.text).not.toContain("Crusty Corner");
    const res = await pipeline.gateway.app.inject({ url: `/api/admin/businesses/${sunriseId}/reply-flags`, headers: { authorization: sunriseAuth } });
    expect(res.statusCode).toBe(200);
    expect(res.json().items[0]).toMatchObject({
      conversationId: row.conversationId,
      replyId: row.replyId,
      reason: "blocklist: Crusty Corner",
      modelText: expect.stringContaining("You could also try Crusty Corner across the road."),
      sentText: row.reply!.text,
    });
  });
});

describe("fan agent safety escalation", () => {
  it("a self-harm message: care reply without the model, the agent pauses, the creator gets a WhatsApp alert", async () => {
    const before = pipeline.model.prompts.length;
    const row = await say("mia", "I want to kill myself");
    expect(pipeline.model.prompts.length).toBe(before);
    expect(row.reply!.turn!.evaluatedTokens).toBe(0);
    expect(row.reply!.text).toContain("https://findahelpline.com");
    expect(row.conversation).toMatchObject({ agentPaused: true, pausedBy: "safety" });
    const handoff = await settledHandoff(row.conversationId);
    expect(handoff).toMatchObject({ reason: "safety:self-harm", status: "notified" });
    const [send] = textSendsTo(MIA_WA, MIA_OWNER.wa);
    expect((send!.body as { text: { body: string } }).text.body).toBe(
      `Safety alert (self-harm): someone on web chat needs a person now; the agent has stopped answering them. Open ${PUBLIC_URL}/console/#/inbox/${row.conversationId}`,
    );
  });
});

it("keeps customers' words and owners' phone numbers out of the logs", () => {
  const logs = logLines.join("");
  expect(logs).toContain("guardrails acted on this turn");
  for (const secret of [
    SUNRISE_OWNER.wa,
    SUNRISE_OWNER.to,
    MIA_OWNER.wa,
    MIA_OWNER.to,
    "I want to kill myself",
    "awful",
    "Crusty Corner across",
    "1.99 today",
  ]) {
    expect(logs).not.toContain(secret);
  }
});
