import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPersonaFile } from "../../src/domain/personas/persona-file.js";
import { renderSystemPrompt } from "../../src/domain/personas/render-persona.js";
import { migrateDatabase } from "../../src/adapters/storage/migrate-database.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { TurnRepository } from "../../src/adapters/storage/turn/turn-repository.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";

// A database from before personas were versioned whole, upgraded by the real `migrate` (the SQL
// migration through Prisma's engine, then the conversion of every stored version).
const MIGRATION = "20261202100000_persona_versioned_whole";

/** The PersonaVersion table as it was before MIGRATION, and Prisma's record of it gone. */
const BEFORE = `
  alter table "PersonaVersion" drop column voice, drop column origin, drop column "draftReason";
  alter table "PersonaVersion" alter column settings set data type jsonb using settings::jsonb;
  alter table "PersonaVersion" rename column "legacyText" to "systemPrompt";
  alter table "PersonaVersion" alter column "systemPrompt" set not null;
  delete from _prisma_migrations where migration_name = '${MIGRATION}';`;

const OLD_BAKERY_TEXT = `You are Rosa, the virtual assistant of Sunrise Bakery. You answer customers' questions in a chat.

Facts you may use (never invent others):
- Bread: sourdough loaf 5.50, baguette 2.80.`;

let database: TestDatabase;
let client: pg.Client;
const business = randomUUID();

async function insertPersona(name: string, versions: { version: number; settings: object; systemPrompt: string }[], active: number) {
  const personaId = randomUUID();
  await client.query(`insert into "Persona" (id, "businessId", name) values ($1, $2, $3)`, [personaId, business, name]);
  const versionIds: string[] = [];
  for (const v of versions) {
    const id = randomUUID();
    versionIds.push(id);
    await client.query(`insert into "PersonaVersion" (id, "personaId", version, "systemPrompt", settings) values ($1, $2, $3, $4, $5)`, [
      id,
      personaId,
      v.version,
      v.systemPrompt,
      JSON.stringify(v.settings),
    ]);
  }
  await client.query(`update "Persona" set "activeVersionId" = $2 where id = $1`, [personaId, versionIds[active - 1]]);
  return { personaId, versionIds };
}

async function conversationOn(personaId: string): Promise<string> {
  const channel = randomUUID();
  const contact = randomUUID();
  const conversation = randomUUID();
  await client.query(
    `insert into "Channel" (id, "businessId", kind, "platformAccountId", name, "personaId") values ($1, $2, 'webchat', $3, 'Web chat', $4)`,
    [channel, business, `chat-${channel}`, personaId],
  );
  await client.query(`insert into "Contact" (id, "businessId", "channelId", "platformUserId") values ($1, $2, $3, 'visitor-1')`, [
    contact,
    business,
    channel,
  ]);
  await client.query(`insert into "Conversation" (id, "businessId", "channelId", "contactId") values ($1, $2, $3, $4)`, [
    conversation,
    business,
    channel,
    contact,
  ]);
  return conversation;
}

beforeAll(async () => {
  database = await createTestDatabase();
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query(BEFORE);
  await client.query(`insert into "Business" (id, slug, name) values ($1, 'old-shop', 'Sunrise Bakery')`, [business]);
});

afterAll(async () => {
  await client?.end();
  await database?.drop();
});

describe("upgrading stored personas to settings + voice", () => {
  it("converts every old version, keeps an edit's added fact, copies a rollback, and takes an unconvertible live version off the air", async () => {
    // As the old seed stored prompts/bakery.md: text only, no rules.
    const rosa = await insertPersona(
      "Rosa",
      [
        {
          version: 1,
          systemPrompt: OLD_BAKERY_TEXT,
          settings: { fileHash: "a1", meta: { name: "Rosa", business: "Sunrise Bakery", language: "English", tone: "warm" } },
        },
      ],
      1,
    );
    // As the old seed stored prompts/fan-creator.md, then a console edit of the rendered text, then a rollback.
    const fan = await readPersonaFile("prompts/fan-creator.md");
    const rendered = renderSystemPrompt(fan);
    const edited = rendered.replace(
      "- favourite recipe: brown butter chocolate chip cookies",
      "- favourite recipe: brown butter chocolate chip cookies\n- merch: tote bags from the shop",
    );
    expect(edited).not.toBe(rendered);
    const mia = await insertPersona(
      "Mia",
      [
        {
          version: 1,
          systemPrompt: rendered,
          settings: { fileHash: "b1", meta: { name: "Mia", business: fan.settings.business }, v2: { meta: fan.settings, body: fan.voice } },
        },
        { version: 2, systemPrompt: edited, settings: { source: "admin-api", apiKeyId: randomUUID() } },
        { version: 3, systemPrompt: rendered, settings: { source: "admin-api", apiKeyId: randomUUID(), rolledBackFrom: 1 } },
      ],
      2,
    );
    // A file whose settings the current schema refuses.
    const broken = await insertPersona(
      "Broken",
      [
        {
          version: 1,
          systemPrompt: "x",
          settings: { fileHash: "c1", meta: { name: "B", business: "B" }, v2: { meta: { kind: "robot", name: "B" }, body: "Hi." } },
        },
      ],
      1,
    );

    const outcome = await migrateDatabase(database.url);
    expect(outcome.applied).toBe(true);
    expect(outcome.personas.converted.map((c) => `${c.persona} ${c.version}`).sort()).toEqual(["Mia 1", "Mia 2", "Mia 3", "Rosa 1"]);
    expect(outcome.personas.drafts).toEqual([
      { versionId: broken.versionIds[0], persona: "Broken", version: 1, reason: expect.stringMatching(/settings.kind/), wasActive: true },
    ]);

    const rows = async (personaId: string) =>
      (
        await client.query(
          `select version, settings, voice, "legacyText", "draftReason", origin from "PersonaVersion" where "personaId" = $1 order by version`,
          [personaId],
        )
      ).rows;
    // The text-only persona: default support rules, its text as the voice.
    const [r1] = await rows(rosa.personaId);
    expect(r1.settings).toMatchObject({
      kind: "support",
      name: "Rosa",
      business: "Sunrise Bakery",
      tone: "warm",
      handoff: { triggers: ["human", "refund", "complaint"] },
      owner: { channel: "admin" },
    });
    expect([r1.voice, r1.legacyText]).toEqual([OLD_BAKERY_TEXT, null]);
    // The file version: its own settings and body. The edit: the file's settings with the added fact, the body as the voice.
    const [m1, m2, m3] = await rows(mia.personaId);
    expect(JSON.parse(JSON.stringify(m1.settings))).toEqual(JSON.parse(JSON.stringify(fan.settings)));
    expect(m1.voice).toBe(fan.voice);
    expect(m2.settings).toMatchObject({
      kind: "fan",
      disclosure: fan.settings.disclosure,
      limits: { dailyMessagesPerFan: 20 },
      handoff: fan.settings.handoff,
    });
    expect(m2.settings.facts).toEqual({ ...fan.settings.facts, merch: "tote bags from the shop" });
    expect(m2.settings.rules).toEqual(fan.settings.rules);
    expect(m2.voice).toBe(fan.voice);
    expect(m2.origin).toMatchObject({ source: "admin-api", converted: true });
    expect([m3.settings, m3.voice]).toEqual([m1.settings, m1.voice]);
    // The unconvertible one: a draft with its reason and text, and the persona has no live version.
    const [b1] = await rows(broken.personaId);
    expect([b1.voice, b1.legacyText, b1.draftReason]).toEqual([null, "x", expect.stringMatching(/settings.kind/)]);
    expect((await client.query(`select "activeVersionId" from "Persona" where id = $1`, [broken.personaId])).rows[0].activeVersionId).toBeNull();

    // What the worker reads now: Mia's live edit with its rules; Broken fails closed.
    const turns = new TurnRepository(database.db);
    const miaTurn = await turns.loadTurn(await conversationOn(mia.personaId));
    expect(miaTurn!.persona).toMatchObject({
      status: "valid",
      version: 2,
      persona: { settings: { kind: "fan", disclosure: fan.settings.disclosure } },
    });
    expect(miaTurn!.persona.status === "valid" && miaTurn!.persona.systemPrompt).toBe(edited);
    expect((await turns.loadTurn(await conversationOn(broken.personaId)))!.persona).toMatchObject({
      status: "invalid",
      problem: expect.stringMatching(/no active version/),
    });

    // Re-seeding the unchanged file after the upgrade (a deploy script running `seed` again) finds
    // its version: the console edit stays live and no version is added.
    await seedBusiness(database.db, { template: "fan-creator", persona: fan }, "old-shop");
    expect((await rows(mia.personaId)).length).toBe(3);
    expect((await client.query(`select "activeVersionId" from "Persona" where id = $1`, [mia.personaId])).rows[0].activeVersionId).toBe(
      mia.versionIds[1],
    );

    // Running migrate again finds nothing left to convert.
    expect((await migrateDatabase(database.url)).personas).toEqual({ converted: [], drafts: [] });
  });
});
