import { describe, expect, it } from "vitest";
import { convertLegacyVersions, readRenderedPrompt } from "../../src/domain/personas/convert-legacy-persona.js";
import { personaFileHash } from "../../src/domain/personas/persona-hash.js";
import type { Persona } from "../../src/domain/personas/persona-schema.js";
import { weakeningsOf } from "../../src/domain/personas/persona-weakenings.js";
import { renderSystemPrompt } from "../../src/domain/personas/render-persona.js";
import { readStoredPersona } from "../../src/domain/personas/stored-persona.js";
import { validatePersona } from "../../src/domain/personas/validate-persona.js";
import { fanPersona, supportPersona } from "../../test-kit/persona-fixtures.js";

const withSettings = (p: Persona, change: (s: Record<string, unknown>) => void): Persona => {
  const settings = structuredClone(p.settings) as unknown as Record<string, unknown>;
  change(settings);
  return { ...p, settings: settings as unknown as Persona["settings"] };
};

describe("validatePersona", () => {
  it("accepts settings + voice, filling defaults and cleaning text", () => {
    const result = validatePersona({
      settings: {
        kind: "support",
        name: " Rosa ",
        business: "B",
        handoff: { triggers: ["human"] },
        owner: { channel: "admin", to: "o" },
        facts: { hours: "9\u0000-17" },
      },
      voice: "  Warm.\r\n ",
    });
    expect(result.ok && result.persona).toMatchObject({
      settings: { name: "Rosa", language: "English", facts: { hours: "9-17" }, blocklist: [] },
      voice: "Warm.",
    });
  });

  it("names each problem by its field", () => {
    const result = validatePersona({
      settings: { kind: "fan", name: "Mia", business: "B", owner: { channel: "admin", to: "t" }, rules: ["ok", ""], colour: "red" },
      voice: "",
    });
    expect(result.ok).toBe(false);
    const fields = !result.ok ? result.problems.map((p) => p.field).sort() : [];
    expect(fields).toEqual(["settings.colour", "settings.disclosure", "settings.limits.dailyMessagesPerFan", "settings.rules.1", "voice"].sort());
  });
});

describe("weakeningsOf", () => {
  it("lists what an edit stops enforcing, and nothing for one that adds rules", () => {
    const before = fanPersona();
    const after = withSettings(before, (s) => {
      s.kind = "support";
      delete s.disclosure;
      (s.handoff as { triggers: string[] }).triggers = [];
      (s.limits as Record<string, unknown>).blockedTopics = ["politics"];
      (s.limits as Record<string, unknown>).dailyMessagesPerFan = 50;
      delete (s.limits as Record<string, unknown>).maxReplyChars;
    });
    expect(weakeningsOf(before, after).map((w) => w.key)).toEqual([
      "handoff.triggers:sponsorship",
      "disclosure",
      "kind",
      "limits.blockedTopics:family",
      "limits.dailyMessagesPerFan",
      "limits.maxReplyChars",
    ]);
    expect(weakeningsOf(after, before)).toEqual([]);
    const support = supportPersona();
    expect(
      weakeningsOf(
        support,
        withSettings(support, (s) => ((s.blocklist as string[]) = [])),
      ),
    ).toEqual([{ key: "blocklist:Crusty Corner", message: 'Replies may mention "Crusty Corner" again.' }]);
    expect(
      weakeningsOf(
        support,
        withSettings(support, (s) => ((s.rules as string[]) = [])),
      )[0]?.key,
    ).toBe("rules:Answer in one to three short sentences.");
  });
});

describe("readStoredPersona", () => {
  const stored = (over: Partial<Parameters<typeof readStoredPersona>[0] & object> = {}) => ({
    versionId: "v",
    version: 3,
    settings: supportPersona().settings,
    voice: supportPersona().voice,
    draftReason: null,
    ...over,
  });

  it("renders a valid version's system prompt", () => {
    expect(readStoredPersona(stored())).toEqual({
      status: "valid",
      versionId: "v",
      version: 3,
      persona: supportPersona(),
      systemPrompt: renderSystemPrompt(supportPersona()),
    });
  });

  it("fails closed on every broken case, keeping whom to tell and the persona's own handoff text when readable", () => {
    expect(readStoredPersona(null)).toMatchObject({ status: "invalid", versionId: null, fallback: { notify: "admin" } });
    expect(readStoredPersona(stored({ draftReason: "no text" }))).toMatchObject({
      status: "invalid",
      problem: "version 3 is a draft that cannot be used: no text",
    });
    expect(readStoredPersona(stored({ voice: null }))).toMatchObject({ status: "invalid", problem: expect.stringMatching(/old text-only format/) });
    const broken = { ...supportPersona().settings, handoff: undefined, replies: { handoff: "The owner will write soon." } };
    expect(readStoredPersona(stored({ settings: broken }))).toEqual({
      status: "invalid",
      versionId: "v",
      version: 3,
      problem: expect.stringMatching(/^version 3 has invalid settings: settings.handoff/),
      fallback: { notify: "whatsapp_cloud:owner-phone", handoffText: "The owner will write soon." },
    });
    expect(readStoredPersona(stored({ settings: "garbage" }))).toMatchObject({ status: "invalid", fallback: { notify: "admin" } });
  });
});

describe("converting the old single-text format", () => {
  const names = { persona: "Rosa", business: "Sunrise Bakery" };
  const fan = fanPersona();

  it("reads facts, rules and voice back from an edited rendered prompt, dropping the generated rules", () => {
    const text = renderSystemPrompt(fan)
      .replace("- cookbook: 24.99", "- cookbook: 26.99\n- merch: tote bags")
      .replace("Rules:\n", "Rules:\n- Always sign off with a cookie emoji.\n");
    const read = readRenderedPrompt(text, fan);
    expect(read.facts).toEqual({ uploads: "every Thursday at 17:00", cookbook: "26.99", merch: "tote bags" });
    expect(read.rules).toEqual(["Always sign off with a cookie emoji."]);
    expect(read.voice).toBe(fan.voice);
    // A plain text keeps the base's facts and rules and becomes the voice.
    expect(readRenderedPrompt("Just be nice.", fan)).toEqual({ facts: fan.settings.facts, rules: fan.settings.rules, voice: "Just be nice." });
  });

  it("gives a text-only persona the default support rules; a later edit inherits them", () => {
    const out = convertLegacyVersions(
      [
        {
          id: "a",
          version: 1,
          settings: { fileHash: "h", meta: { name: "Rosa", business: "Sunrise Bakery" } },
          legacyText: "You are Rosa.",
          voice: null,
        },
        { id: "b", version: 2, settings: { source: "admin-api", apiKeyId: "k" }, legacyText: "You are Rosa. Be brief.", voice: null },
      ],
      names,
    );
    expect(out.map((c) => c.ok && [c.persona.settings.kind, c.persona.settings.handoff?.triggers, c.persona.voice])).toEqual([
      ["support", ["human", "refund", "complaint"], "You are Rosa."],
      ["support", ["human", "refund", "complaint"], "You are Rosa. Be brief."],
    ]);
    // Fingerprinted as seed fingerprints a file now, so re-seeding an unchanged file finds it.
    expect(out[0]).toMatchObject({ origin: { source: "file", fileHash: out[0]!.ok ? personaFileHash(out[0]!.persona) : "", converted: true } });
  });

  it("keeps what cannot be converted apart, with the reason, and never invents settings for it", () => {
    const out = convertLegacyVersions(
      [
        { id: "a", version: 1, settings: { v2: { meta: { kind: "fan", name: "Mia" }, body: "Hi" } }, legacyText: "x", voice: null },
        { id: "b", version: 2, settings: { source: "admin-api" }, legacyText: "   ", voice: null },
        { id: "c", version: 3, settings: { v2: { meta: fan.settings } }, legacyText: "x", voice: null },
      ],
      names,
    );
    expect(out.map((c) => (c.ok ? "ok" : c.reason))).toEqual([
      expect.stringMatching(/not valid.*settings.business/),
      "it has no text",
      "the stored file settings have no body",
    ]);
  });
});
