import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parsePersonaFile } from "../../src/domain/personas/persona-file.js";
import { DEFAULT_PERSONA_TEMPLATE, listPersonaTemplates, loadPersonaTemplate, PROMPTS_DIR } from "../../src/domain/personas/persona-templates.js";

describe("persona templates in prompts/", () => {
  it("every shipped file is a whole persona: settings that the code enforces, and a voice", async () => {
    const names = await listPersonaTemplates();
    expect(names).toEqual(expect.arrayContaining(["support-bakery", "fan-creator"]));
    expect(names).toContain(DEFAULT_PERSONA_TEMPLATE);
    for (const name of names) {
      const { template, persona } = await loadPersonaTemplate(name);
      expect(template).toBe(name);
      expect(persona.voice.length).toBeGreaterThan(50);
      expect(["support", "fan"]).toContain(persona.settings.kind);
      // A support agent hands off; a fan agent discloses: no shipped persona runs without rules.
      expect(persona.settings.handoff?.triggers.length ?? 0).toBeGreaterThan(0);
      if (persona.settings.kind === "fan") expect(persona.settings.disclosure).toBeTruthy();
      // Each has the scripted checks persona:check replays.
      await expect(readFile(`${PROMPTS_DIR}/${name}.checks.yaml`, "utf8")).resolves.toContain("conversations:");
    }
  });

  it("refuses the old text-only format, naming what is missing", () => {
    expect(() => parsePersonaFile("---\nname: Rosa\nbusiness: B\n---\nYou are Rosa.", "old.md")).toThrowError(
      /old\.md:1: kind: kind must be support or fan/,
    );
  });

  it("refuses unknown template names and path tricks", async () => {
    await expect(loadPersonaTemplate("../package")).rejects.toThrowError(/lower-case/);
    await expect(loadPersonaTemplate("nope")).rejects.toThrowError(/known: .*support-bakery/);
    await expect(loadPersonaTemplate("bakery")).rejects.toThrowError(/no persona template bakery/);
  });
});
