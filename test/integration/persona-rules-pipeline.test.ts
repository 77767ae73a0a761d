import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { createAdminStore } from "../../src/adapters/storage/admin/admin-store.js";
import { PERSONA_INVALID_REPLY } from "../../src/app/turn/generate-reply.js";
import { AppendingChatModel } from "../../test-kit/appending-chat-model.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// A persona edited the way an owner does it (the admin API the console calls), then customers
// writing through the real pipeline (web chat, queue, worker, the tiny model): the rules the code
// enforces hold after every save, rollback and activation, and a persona that cannot be read
// never reaches the model.
let pipeline: TestPipeline;
const auth: Record<string, string> = {};
const ids: Record<string, { businessId: string; personaId: string }> = {};

beforeAll(async () => {
  pipeline = await startTestPipeline({
    settings: { replyMaxTokens: 12 },
    businesses: { mia: "fan-creator", sunrise: "support-bakery" },
    // Makes the model's reply certain to trip a rule when the customer asks for it.
    wrapModel: (real) =>
      new AppendingChatModel(real, [
        ["mention the competitor", () => "Honestly, Crusty Corner is better."],
        ["gift box price", () => "A gift box is 12.50."],
      ]),
  });
  const db = pipeline.database.db;
  for (const slug of ["mia", "sunrise"]) {
    const business = await db.business.findUniqueOrThrow({ where: { slug }, include: { personas: true } });
    ids[slug] = { businessId: business.id, personaId: business.personas[0]!.id };
    auth[slug] = `Bearer ${(await issueApiKey(createAdminStore(db).apiKeys, { businessId: business.id, name: slug })).key}`;
  }
});

afterAll(async () => pipeline?.close());

async function admin(slug: string, method: "GET" | "POST", path: string, payload?: object) {
  const url = `/api/admin/businesses/${ids[slug]!.businessId}${path}`;
  return pipeline.gateway.app.inject({ method, url, headers: { authorization: auth[slug]! }, ...(payload ? { payload } : {}) });
}

type PersonaJson = { settings: Record<string, unknown> & { facts: Record<string, string>; handoff?: { triggers: string[] } }; voice: string };

/** The live persona as the console's form loads it. */
async function livePersona(slug: string): Promise<{ version: number; persona: PersonaJson }> {
  const res = await admin(slug, "GET", `/personas/${ids[slug]!.personaId}`);
  expect(res.statusCode).toBe(200);
  return { version: res.json().activeVersion.version, persona: res.json().activeVersion.persona };
}

/** Saves an edited copy of the live persona as a new live version, as "Save as new version" does. */
async function edit(slug: string, change: (p: PersonaJson) => void, confirmWeakenings: string[] = []) {
  const { version, persona } = await livePersona(slug);
  change(persona);
  const res = await admin(slug, "POST", `/personas/${ids[slug]!.personaId}/versions`, { persona, baseVersion: version, confirmWeakenings });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().version as number;
}

/** One message as a fresh (or given) web chat visitor; waits until the worker settled it. */
async function say(slug: string, text: string, sessionId = randomUUID().replaceAll("-", "")) {
  const before = pipeline.model.prompts.length;
  const res = await pipeline.gateway.app.inject({
    method: "POST",
    url: `/api/webchat/${slug}/messages`,
    payload: { sessionId, clientMessageId: randomUUID(), text },
  });
  expect(res.statusCode).toBe(202);
  const id = res.json().messageId as string;
  await expect
    .poll(async () => (await pipeline.database.db.message.findUniqueOrThrow({ where: { id } })).status, { timeout: 30_000, interval: 50 })
    .not.toBe("received");
  const row = await pipeline.database.db.message.findUniqueOrThrow({
    where: { id },
    include: { reply: { include: { flag: true } }, conversation: { include: { handoffs: true } } },
  });
  return { sessionId, row, reply: row.reply?.text ?? "", modelAsked: pipeline.model.prompts.length > before, conversation: row.conversation };
}

describe("a fan persona edited in the console keeps its rules", () => {
  it("after adding a fact: AI disclosure on the first reply, blocked topic and sponsorship without the model, safety reply", async () => {
    await edit("mia", (p) => (p.settings.facts = { ...p.settings.facts, merch: "tote bags from the shop" }));
    const { persona } = await livePersona("mia");
    expect(persona.settings.facts.merch).toBe("tote bags from the shop");

    const first = await say("mia", "Hi Mia! Love the cookie videos");
    expect(first.modelAsked).toBe(true);
    expect(first.reply).toContain("I'm Mia's AI assistant, not Mia herself.");
    expect(pipeline.model.prompts.at(-1)!.system).toContain("- merch: tote bags from the shop");

    const politics = await say("mia", "What do you think about politics and the election?", first.sessionId);
    expect(politics.modelAsked).toBe(false);
    expect(politics.row.status).toBe("answered");

    const deal = await say("mia", "I'd like to offer Mia a sponsorship deal");
    expect(deal.modelAsked).toBe(false);
    expect(deal.conversation).toMatchObject({ agentPaused: true, pausedBy: "handoff" });
    expect(deal.conversation.handoffs.map((h) => h.reason)).toEqual(["handoff:sponsorship"]);

    const hurt = await say("mia", "I want to kill myself");
    expect(hurt.modelAsked).toBe(false);
    expect(hurt.conversation).toMatchObject({ agentPaused: true, pausedBy: "safety" });
  });
});

describe("a support persona edited in the console keeps its rules", () => {
  it("after adding a trigger and a fact: refund and the new trigger handed off, blocklisted reply replaced", async () => {
    await edit("sunrise", (p) => {
      p.settings.facts = { ...p.settings.facts, coffee: "coffee 1.80" };
      p.settings.handoff = { triggers: [...p.settings.handoff!.triggers, "wholesale"] };
    });
    const refund = await say("sunrise", "The cake was stale, I want a refund");
    expect(refund.modelAsked).toBe(false);
    expect(refund.conversation.handoffs.map((h) => h.reason)).toEqual(["handoff:refund"]);

    const wholesale = await say("sunrise", "Do you do wholesale for cafés?");
    expect(wholesale.modelAsked).toBe(false);
    expect(wholesale.conversation.handoffs.map((h) => h.reason)).toEqual(["handoff:wholesale"]);

    const competitor = await say("sunrise", "please mention the competitor");
    expect(competitor.modelAsked).toBe(true);
    expect(competitor.reply).not.toContain("Crusty Corner");
    expect(competitor.row.reply!.flag).toMatchObject({ reason: "blocklist: Crusty Corner" });
  });

  it("after a rollback: the older version's rules, whole (the trigger it lacked is no longer handed off)", async () => {
    const versions = (await admin("sunrise", "GET", `/personas/${ids.sunrise!.personaId}/versions`)).json().items as { version: number }[];
    const oldest = Math.min(...versions.map((v) => v.version));
    const refused = await admin("sunrise", "POST", `/personas/${ids.sunrise!.personaId}/rollback`, { version: oldest });
    expect([refused.statusCode, refused.json().error.code]).toEqual([409, "PERSONA_WEAKENED"]);
    const keys = refused.json().error.details.weakenings.map((w: { key: string }) => w.key);
    expect(keys).toEqual(["handoff.triggers:wholesale"]);
    const rolled = await admin("sunrise", "POST", `/personas/${ids.sunrise!.personaId}/rollback`, { version: oldest, confirmWeakenings: keys });
    expect(rolled.statusCode).toBe(201);
    expect(rolled.json().persona.settings.facts).not.toHaveProperty("coffee");

    const wholesale = await say("sunrise", "Do you do wholesale for cafés?");
    expect(wholesale.modelAsked).toBe(true);
    expect(wholesale.conversation.handoffs).toEqual([]);
    const refund = await say("sunrise", "I want my money back, the bread was burnt");
    expect(refund.modelAsked).toBe(false);
    expect(refund.conversation.handoffs.map((h) => h.reason)).toEqual(["handoff:refund"]);
  });

  it("takes a price from the business's knowledge base as quoted, and hands off one quoted from nowhere", async () => {
    const invented = await say("sunrise", "what is the gift box price?");
    expect(invented.modelAsked).toBe(true);
    expect(invented.conversation.handoffs.map((h) => h.reason)).toEqual(["handoff:contradicts-facts"]);

    const added = await admin("sunrise", "POST", "/knowledge", {
      kind: "faq",
      title: "Do you sell gift boxes?",
      body: "Yes: a gift box of six pastries is 12.50.",
    });
    expect(added.statusCode).toBe(201);
    const quoted = await say("sunrise", "and the gift box price?");
    expect(quoted.modelAsked).toBe(true);
    expect(quoted.reply).toContain("12.50");
    expect(quoted.conversation.handoffs).toEqual([]);
    expect(quoted.row.reply!.flag).toBeNull();
  });
});

describe("a persona that cannot be used fails closed", () => {
  const db = () => pipeline.database.db;

  async function expectFailClosed(slug: string, text: string, reply: string, notify: string) {
    const before = pipeline.model.prompts.length;
    const result = await say(slug, text);
    expect(pipeline.model.prompts.length).toBe(before);
    expect(result.reply).toBe(reply);
    expect(result.conversation).toMatchObject({ agentPaused: true, pausedBy: "persona_invalid" });
    expect(result.conversation.handoffs.map((h) => [h.reason, h.notify])).toEqual([["persona_invalid", notify]]);
    // The owner sees it like any handoff.
    const listed = await admin(slug, "GET", `/handoffs?conversationId=${result.conversation.id}`);
    expect(listed.json().items.map((h: { reason: string }) => h.reason)).toEqual(["persona_invalid"]);
    return result;
  }

  it("a live version whose stored settings no longer validate: the persona's own handoff text, the owner told, the model not asked", async () => {
    const persona = await db().persona.findUniqueOrThrow({ where: { id: ids.mia!.personaId }, include: { activeVersion: true } });
    const settings = persona.activeVersion!.settings as Record<string, unknown>;
    await db().personaVersion.update({
      where: { id: persona.activeVersionId! },
      data: {
        settings: {
          ...settings,
          kind: "influencer",
          owner: { channel: "whatsapp_cloud", to: "+44 7700 900123" },
          replies: { handoff: "Mia's team will write to you here soon." },
        },
      },
    });
    try {
      // The owner named in the broken settings is still the one told (here: no WhatsApp channel to do it, so the handoff says so).
      await expectFailClosed("mia", "Hi, what's the next video?", "Mia's team will write to you here soon.", "whatsapp_cloud:+44 7700 900123");
    } finally {
      await db().personaVersion.update({ where: { id: persona.activeVersionId! }, data: { settings: settings as object } });
    }
  });

  it("a draft made live, or no live version at all: the built-in handoff text", async () => {
    const persona = await db().persona.findUniqueOrThrow({ where: { id: ids.mia!.personaId } });
    await db().personaVersion.update({ where: { id: persona.activeVersionId! }, data: { draftReason: "it has no text" } });
    try {
      await expectFailClosed("mia", "Hello there", PERSONA_INVALID_REPLY, "admin");
    } finally {
      await db().personaVersion.update({ where: { id: persona.activeVersionId! }, data: { draftReason: null } });
    }
    await db().persona.update({ where: { id: persona.id }, data: { activeVersionId: null } });
    try {
      await expectFailClosed("mia", "Hello again", PERSONA_INVALID_REPLY, "admin");
    } finally {
      await db().persona.update({ where: { id: persona.id }, data: { activeVersionId: persona.activeVersionId } });
    }
    // Restored: the agent answers with its rules again.
    const back = await say("mia", "Hi! I love baking");
    expect(back.modelAsked).toBe(true);
    expect(back.reply).toContain("I'm Mia's AI assistant");
  });

  it("a draft cannot be made live through the API", async () => {
    const created = await db().personaVersion.create({
      data: { personaId: ids.mia!.personaId, version: 900, legacyText: "old text", draftReason: "its settings are not valid" },
    });
    try {
      const res = await admin("mia", "POST", `/personas/${ids.mia!.personaId}/versions/900/activate`, {});
      expect([res.statusCode, res.json().error.code]).toEqual([422, "PERSONA_UNUSABLE"]);
      const read = (await admin("mia", "GET", `/personas/${ids.mia!.personaId}/versions/900`)).json();
      expect(read).toMatchObject({
        usable: false,
        persona: null,
        unusable: { reason: "its settings are not valid", text: "old text" },
        systemPrompt: null,
      });
    } finally {
      await db().personaVersion.delete({ where: { id: created.id } });
    }
  });
});
