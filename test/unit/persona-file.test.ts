import { describe, expect, it } from "vitest";
import { listPersonaTemplates, loadPersonaTemplate } from "../../src/personas/load-persona-template.js";
import { parsePersonaFile } from "../../src/personas/parse-persona-file.js";

describe("persona files", () => {
  it("loads every shipped template", async () => {
    const names = await listPersonaTemplates();
    expect(names).toContain("bakery");
    for (const name of names) {
      const persona = await loadPersonaTemplate(name);
      expect(persona.systemPrompt.length).toBeGreaterThan(50);
      expect(persona.meta.name).toBeTruthy();
    }
  });

  it("names the missing field", () => {
    expect(() => parsePersonaFile("---\nname: Rosa\n---\nYou are Rosa.", "x")).toThrowError(/x: business/);
  });

  it("rejects an empty body and broken front matter", () => {
    expect(() => parsePersonaFile("---\nname: Rosa\nbusiness: B\n---\n  \n", "x")).toThrowError(/body/);
    expect(() => parsePersonaFile("---\nname: [unclosed\n---\nhi", "x")).toThrowError(/YAML/);
  });

  it("refuses unknown template names and path tricks", async () => {
    await expect(loadPersonaTemplate("../package")).rejects.toThrowError(/lower-case/);
    await expect(loadPersonaTemplate("nope")).rejects.toThrowError(/known: .*bakery/);
  });
});
