import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/dev/free-port.js";
import { createDb } from "../../src/adapters/storage/create-db.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import {
  buildAdminTestApp,
  countWords,
  createAdminTestDatabase,
  MAX_PERSONA_TOKENS,
  ownerAuth,
  seedShop,
  type AdminTestApp,
  type Shop,
} from "../../test-kit/admin-test-app.js";
import type { TestDatabase } from "../../test-kit/test-database.js";
import { errorFields } from "../../test-kit/error-fields.js";

// Businesses, personas and their versions (admin-openapi.test.ts: the OpenAPI document and the docs page).
let database: TestDatabase;
let t: AdminTestApp;
let shop: Shop;
let owner: string;

type Method = "GET" | "POST" | "PATCH" | "DELETE";
const api = (method: Method, url: string, payload?: object, authorization = shop.auth) =>
  t.app.inject({ method, url: `/api/admin${url}`, headers: { authorization }, ...(payload ? { payload } : {}) });

beforeAll(async () => {
  database = await createAdminTestDatabase();
  t = await buildAdminTestApp(database.db);
  shop = await seedShop(database.db, t.store, "shop-a");
  owner = await ownerAuth(t.store);
});

afterAll(async () => {
  await t?.app.close();
  await database?.drop();
});

describe("businesses", () => {
  it("lets an owner create one; a taken slug is 409; bad fields are 400 and named", async () => {
    const created = await api("POST", "/businesses", { slug: "mia-bakes", name: " Mia  Bakes ", timezone: "Europe/Madrid" }, owner);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ slug: "mia-bakes", name: "Mia Bakes", timezone: "Europe/Madrid" });
    expect((await api("POST", "/businesses", { slug: "mia-bakes", name: "Again" }, owner)).statusCode).toBe(409);
    const bad = await api("POST", "/businesses", { slug: "Not A Slug", name: "", timezone: "Mars/Olympus" }, owner);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe("INVALID_REQUEST");
    for (const field of ["body.slug", "body.name", "body.timezone"]) expect(errorFields(bad.json())).toContain(field);
  });

  it("lets a business key rename its business and change its time zone", async () => {
    const res = await api("PATCH", `/businesses/${shop.businessId}`, { name: "Sunrise Bakery & Café", timezone: "America/New_York" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: shop.businessId, name: "Sunrise Bakery & Café", timezone: "America/New_York" });
    expect((await api("GET", `/businesses/${shop.businessId}`)).json().timezone).toBe("America/New_York");
  });

  it("answers 404 for a business that does not exist, even to an owner", async () => {
    const res = await api("GET", `/businesses/${randomUUID()}`, undefined, owner);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: "BUSINESS_NOT_FOUND", message: "no such business" } });
    const badId = await api("GET", "/businesses/not-a-uuid");
    expect(badId.statusCode).toBe(400);
    expect(errorFields(badId.json())).toContain("params.businessId");
  });
});

describe("personas", () => {
  const base = () => `/businesses/${shop.businessId}/personas`;
  type Settings = Record<string, unknown> & { facts: Record<string, string>; handoff: { triggers: string[] } };
  /** The shipped bakery persona, as a console form would send it, with changes. */
  const bakery = (change: (s: Settings) => void = () => undefined, voice = "You answer at night, briefly.") => {
    const settings = structuredClone(bakeryPersona.settings) as unknown as Settings;
    change(settings);
    return { settings, voice };
  };
  let bakeryPersona: Awaited<ReturnType<typeof loadPersonaTemplate>>["persona"];
  beforeAll(async () => {
    bakeryPersona = (await loadPersonaTemplate("support-bakery")).persona;
  });

  it("creates a persona whose whole settings and voice are version 1, live, with its rendered prompt and tokens", async () => {
    const persona = bakery((s) => (s.name = "Luna"), "You answer at night.\r\nBe brief.");
    const res = await api("POST", base(), { name: "Night shift", persona });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      name: "Night shift",
      template: null,
      versionCount: 1,
      activeVersion: { version: 1, active: true, usable: true, unusable: null, limit: MAX_PERSONA_TOKENS },
    });
    expect(body.activeVersion.persona.voice).toBe("You answer at night.\nBe brief.");
    expect(body.activeVersion.persona.settings).toMatchObject({
      kind: "support",
      name: "Luna",
      handoff: { triggers: ["human", "refund", "complaint"] },
      blocklist: ["Crusty Corner"],
    });
    expect(body.activeVersion.systemPrompt).toMatch(/^You are Luna, the AI assistant of Sunrise Bakery/);
    expect(body.activeVersion.systemPrompt).toContain("- hours: Tuesday to Saturday 7:00-18:00");
    expect(body.activeVersion.tokens).toBe(countWords(body.activeVersion.systemPrompt));
    // The stored row is the persona, whole; the prompt is rendered from it, never stored.
    const row = await database.db.personaVersion.findFirstOrThrow({ where: { personaId: body.id } });
    expect(row).toMatchObject({
      settings: body.activeVersion.persona.settings,
      voice: "You answer at night.\nBe brief.",
      legacyText: null,
      draftReason: null,
    });
    expect((await api("POST", base(), { name: "Night shift", persona })).statusCode).toBe(409);
    // The name defaults to the persona's own.
    expect((await api("POST", base(), { persona: bakery((s) => (s.name = "Sol")) })).json().name).toBe("Sol");
    const list = await api("GET", base());
    expect(list.json().items.map((p: { name: string }) => p.name)).toEqual(["Rosa", "Night shift", "Sol"]);
    expect(list.json().items[1].activeVersion).not.toHaveProperty("persona");
  });

  it("names every bad field of a persona, in the words of the form, and stores nothing", async () => {
    const before = await database.db.personaVersion.count();
    const res = await api("POST", base(), {
      persona: { settings: { ...bakery().settings, kind: "robot", facts: { hours: 7 }, owner: { channel: "fax", to: "x" }, extra: 1 }, voice: "  " },
    });
    expect(res.statusCode).toBe(400);
    const fields = res.json().error.details.problems.map((p: { field: string }) => p.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        "body.persona.settings.kind",
        "body.persona.settings.facts.hours",
        "body.persona.settings.owner.channel",
        "body.persona.settings",
        "body.persona.voice",
      ]),
    );
    expect(res.json().error.details.problems.find((p: { field: string }) => p.field === "body.persona.settings.facts.hours").message).toMatch(
      /must be text/,
    );
    expect((await api("POST", base(), { persona: bakery(), markdown: "---" })).statusCode).toBe(400);
    expect(await database.db.personaVersion.count()).toBe(before);
  });

  it("edits whole versions: the settings change with the text, a rollback and an activation restore a whole version", async () => {
    const created = (await api("POST", base(), { name: "Editor", persona: bakery() })).json();
    const url = `${base()}/${created.id}`;
    const v2 = await api("POST", `${url}/versions`, {
      persona: bakery((s) => (s.facts = { ...s.facts, croissants: "croissant 2.40" }), "You answer at night.\nBe brief."),
      baseVersion: 1,
    });
    expect(v2.statusCode).toBe(201);
    expect(v2.json()).toMatchObject({ version: 2, active: true, persona: { settings: { facts: { croissants: "croissant 2.40" } } } });
    const draft = await api("POST", `${url}/versions`, { persona: bakery(), activate: false });
    expect(draft.json()).toMatchObject({ version: 3, active: false });
    expect((await api("GET", url)).json().activeVersion).toMatchObject({ version: 2 });
    const versions = (await api("GET", `${url}/versions`)).json().items;
    expect(versions.map((v: { version: number; active: boolean }) => [v.version, v.active])).toEqual([
      [3, false],
      [2, true],
      [1, false],
    ]);
    expect((await api("GET", `${url}/versions/1`)).json().persona).toEqual(created.activeVersion.persona);

    // The diff compares the versions as persona files: settings lines and voice lines.
    const diff = (await api("GET", `${url}/diff?from=1&to=2`)).json();
    expect(diff).toMatchObject({ from: 1, to: 2, exact: true, weakenings: [] });
    expect(diff.lines.filter((l: { op: string }) => l.op !== "equal").map((l: { op: string; text: string }) => `${l.op} ${l.text}`)).toEqual([
      "add   croissants: croissant 2.40",
      "remove You answer at night, briefly.",
      "add You answer at night.",
      "add Be brief.",
    ]);

    const rollback = await api("POST", `${url}/rollback`, { version: 1 });
    expect(rollback.statusCode).toBe(201);
    expect(rollback.json()).toMatchObject({ version: 4, active: true, rolledBackFrom: 1, persona: created.activeVersion.persona });
    const origin = await database.db.personaVersion.findFirstOrThrow({ where: { personaId: created.id, version: 4 } });
    expect(origin.origin).toMatchObject({ source: "admin-api", rolledBackFrom: 1, apiKeyId: shop.keyId });

    const activated = await api("POST", `${url}/versions/2/activate`, {});
    expect(activated.statusCode).toBe(200);
    expect((await api("GET", url)).json()).toMatchObject({ versionCount: 4, activeVersion: { version: 2, persona: v2.json().persona } });
    expect((await api("GET", `${url}/versions/9`)).statusCode).toBe(404);
    expect((await api("GET", `${url}/diff?from=1&to=9`)).statusCode).toBe(404);
    const badQuery = await api("GET", `${url}/diff?from=one`);
    expect(badQuery.statusCode).toBe(400);
    expect(errorFields(badQuery.json())).toMatch(/query\.from.*query\.to|query\.to.*query\.from/s);
  });

  it("says what an edit, a rollback or an activation stops enforcing, and saves it only once confirmed", async () => {
    const created = (await api("POST", base(), { name: "Guarded", persona: bakery() })).json();
    const url = `${base()}/${created.id}`;
    const weaker = bakery((s) => {
      s.handoff.triggers = ["human"];
      s.blocklist = [];
    });
    const refused = await api("POST", `${url}/versions`, { persona: weaker });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe("PERSONA_WEAKENED");
    const keys = refused.json().error.details.weakenings.map((w: { key: string }) => w.key);
    expect(keys).toEqual(["handoff.triggers:refund", "handoff.triggers:complaint", "blocklist:Crusty Corner"]);
    expect(refused.json().error.details.weakenings[0].message).toMatch(/refund" will no longer be handed to a person/);
    expect((await api("GET", `${url}/versions`)).json().items).toHaveLength(1);
    // Confirming only part of it is not enough.
    expect((await api("POST", `${url}/versions`, { persona: weaker, confirmWeakenings: keys.slice(0, 1) })).statusCode).toBe(409);
    const saved = await api("POST", `${url}/versions`, { persona: weaker, confirmWeakenings: keys });
    expect(saved.statusCode).toBe(201);
    expect((await api("GET", `${url}/diff?from=1&to=2`)).json().weakenings.map((w: { key: string }) => w.key)).toEqual(keys);
    // Going back to version 1 adds rules: nothing to confirm. Activating version 2 again removes them.
    expect((await api("POST", `${url}/rollback`, { version: 1 })).statusCode).toBe(201);
    const activate = await api("POST", `${url}/versions/2/activate`, {});
    expect([activate.statusCode, activate.json().error.code]).toEqual([409, "PERSONA_WEAKENED"]);
    expect((await api("POST", `${url}/versions/2/activate`, { confirmWeakenings: keys })).statusCode).toBe(200);
  });

  it("refuses an edit made on a version that is no longer live", async () => {
    const created = (await api("POST", base(), { name: "Two tabs", persona: bakery() })).json();
    const url = `${base()}/${created.id}/versions`;
    expect((await api("POST", url, { persona: bakery(undefined, "First tab."), baseVersion: 1 })).statusCode).toBe(201);
    const stale = await api("POST", url, { persona: bakery(undefined, "Second tab."), baseVersion: 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toMatchObject({ code: "CONCURRENT_EDIT", details: { live: 2 } });
  });

  it("exports a version as a persona file and imports one, with each problem's line", async () => {
    const url = `${base()}/${shop.personaId}`;
    const exported = await api("GET", `${url}/versions/1/file`);
    expect(exported.statusCode).toBe(200);
    expect(exported.json().fileName).toBe("rosa-v1.md");
    expect(exported.json().markdown).toMatch(/^---\nkind: support\nname: Rosa\n/);
    const imported = await api("POST", base(), { name: "Imported", markdown: exported.json().markdown.replace("croissant 2.20", "croissant 2.30") });
    expect(imported.statusCode).toBe(201);
    expect(imported.json().activeVersion.persona.settings.facts.pastries).toBe("croissant 2.30, cinnamon roll 3.10");
    const broken = await api("POST", base(), {
      name: "Broken",
      markdown: "---\nkind: support\nname: Rosa\nbusiness: B\nowner: {channel: admin, to: x}\n---\nVoice.",
    });
    expect(broken.statusCode).toBe(422);
    expect(broken.json().error).toMatchObject({
      code: "PERSONA_INVALID",
      details: { problems: [{ field: "handoff", line: 1, message: expect.stringMatching(/required when kind is support/) }] },
    });

    // Reading a file for the console's form saves nothing: the persona and its tokens, or the problems with their lines.
    const before = await database.db.personaVersion.count();
    const read = await api("POST", `${base()}/parse-file`, { markdown: exported.json().markdown });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual({
      persona: (await api("GET", `${url}/versions/1`)).json().persona,
      tokens: expect.any(Number),
      limit: MAX_PERSONA_TOKENS,
    });
    expect(read.json().tokens).toBeGreaterThan(100);
    const unreadable = await api("POST", `${base()}/parse-file`, { markdown: "---\nkind: support\nname: Rosa\nfacts:\n  hours: 5.50\n---\n" });
    expect(unreadable.statusCode).toBe(422);
    const lines = unreadable.json().error.details.problems.map((p: { field: string; line: number }) => `${p.line} ${p.field}`);
    expect(lines).toEqual(expect.arrayContaining(["5 facts.hours", "1 business", "1 owner", "7 body"]));
    expect(await database.db.personaVersion.count()).toBe(before);
  });

  it("refuses a persona over the token budget with the count and the limit, storing nothing", async () => {
    const long = Array.from({ length: MAX_PERSONA_TOKENS + 5 }, (_, i) => `w${i}`).join(" ");
    const created = await api("POST", base(), { name: "Too long", persona: bakery(undefined, long) });
    expect(created.statusCode).toBe(422);
    const error = created.json().error;
    expect(error).toMatchObject({ code: "PERSONA_TOO_LONG", details: { field: "persona", limit: MAX_PERSONA_TOKENS } });
    expect(error.details.tokens).toBeGreaterThan(MAX_PERSONA_TOKENS + 5);
    expect(error.message).toContain(`the limit is ${MAX_PERSONA_TOKENS}`);
    expect(await database.db.persona.count({ where: { name: "Too long" } })).toBe(0);
    const before = await database.db.personaVersion.count({ where: { personaId: shop.personaId } });
    const edit = await api("POST", `${base()}/${shop.personaId}/versions`, { persona: bakery(undefined, long) });
    expect(edit.statusCode).toBe(422);
    expect(edit.json().error.code).toBe("PERSONA_TOO_LONG");
    expect(await database.db.personaVersion.count({ where: { personaId: shop.personaId } })).toBe(before);
  });

  it("names the bad fields of an edit", async () => {
    const res = await api("POST", `${base()}/${shop.personaId}/versions`, {
      persona: { settings: bakery().settings, voice: "   " },
      activate: "yes",
    });
    expect(res.statusCode).toBe(400);
    expect(errorFields(res.json())).toContain("body.persona.voice");
    expect(errorFields(res.json())).toContain("body.activate");
    // For people: the fields in words, no paths or codes; the path is in `field`.
    expect(res.json().error.message).not.toMatch(/body\.|INVALID_REQUEST/);
    expect(res.json().error.field).toBe("body.persona.voice");
    const missing = await api("POST", `${base()}/${shop.personaId}/versions`, {});
    expect(missing.json().error.message).toContain("either persona or markdown");
    const version = await api("GET", `${base()}/${shop.personaId}/versions/zero`);
    expect(version.statusCode).toBe(400);
    expect(errorFields(version.json())).toContain("params.version");
  });

  it("gives versions created concurrently distinct numbers", async () => {
    const url = `${base()}/${shop.personaId}/versions`;
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => api("POST", url, { persona: bakery(undefined, `concurrent ${i}`), activate: false })),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(6).fill(201));
    const numbers = results.map((r) => r.json().version as number);
    expect(new Set(numbers).size).toBe(6);
  });
});

describe("errors", () => {
  it("answers malformed JSON with 400 and unknown admin paths with a JSON 404, never a stack trace", async () => {
    const broken = await t.app.inject({
      method: "POST",
      url: `/api/admin/businesses/${shop.businessId}/personas`,
      headers: { authorization: shop.auth, "content-type": "application/json" },
      payload: '{"name": ',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBeTypeOf("string");
    expect(broken.body).not.toContain("    at ");
    const missing = await api("GET", "/nothing-here");
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe("NOT_FOUND");
  });

  it("answers 503 DATABASE_UNAVAILABLE when PostgreSQL is down", async () => {
    const deadDb = createDb(`postgresql://root@127.0.0.1:${await freePort()}/nothing`);
    const down = await buildAdminTestApp(deadDb);
    try {
      const res = await down.app.inject({ url: "/api/admin/businesses", headers: { authorization: shop.auth } });
      expect(res.statusCode).toBe(503);
      expect(res.headers["retry-after"]).toBe("1");
      expect(res.json().error.code).toBe("DATABASE_UNAVAILABLE");
    } finally {
      await down.app.close();
      await deadDb.$disconnect();
    }
  });
});
