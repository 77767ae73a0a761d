import { describe, expect, it } from "vitest";
import { parsePersonaFile, PersonaFileError, personaToMarkdown, readPersonaFile } from "../../src/domain/personas/persona-file.js";
import type { PersonaProblem } from "../../src/domain/personas/validate-persona.js";
import { readYaml } from "../../src/domain/personas/yaml-text.js";
import { FAN_FRONT_MATTER, fanPersona, SUPPORT_FRONT_MATTER, supportPersona } from "../../test-kit/persona-fixtures.js";

function problemsOf(source: string): PersonaProblem[] {
  try {
    parsePersonaFile(source, "prompts/x.md");
  } catch (error) {
    expect(error).toBeInstanceOf(PersonaFileError);
    return [...(error as PersonaFileError).problems];
  }
  throw new Error("expected the persona to be refused");
}

const lineOf = (source: string, start: string) => source.split("\n").findIndex((l) => l.startsWith(start)) + 1;
const file = (frontMatter: string, body = "A body that describes the voice of this persona.") => `---\n${frontMatter}\n---\n${body}\n`;

describe("persona files", () => {
  it("loads both shipped templates", async () => {
    const support = await readPersonaFile("prompts/support-bakery.md");
    expect(support.settings.kind).toBe("support");
    expect(support.settings.facts.hours).toContain("7:00-18:00");
    expect(support.settings.handoff?.triggers).toEqual(["human", "refund", "complaint"]);
    const fan = await readPersonaFile("prompts/fan-creator.md");
    expect(fan.settings.kind).toBe("fan");
    expect(fan.settings.disclosure).toMatch(/AI/);
    expect(fan.settings.limits.dailyMessagesPerFan).toBeGreaterThan(0);
    expect(fan.voice).toMatch(/Mia/);
  });

  it("exports a persona as a file that reads back the same, settings and voice", async () => {
    for (const persona of [supportPersona(), fanPersona(), await readPersonaFile("prompts/fan-creator.md")]) {
      const markdown = personaToMarkdown(persona);
      expect(markdown).toMatch(/^---\nkind: /);
      expect(parsePersonaFile(markdown, "exported.md")).toEqual(persona);
    }
    // Defaults and empty sections are left out of the file.
    expect(personaToMarkdown(supportPersona())).not.toMatch(/replies:|blockedTopics: \[\]/);
  });

  it("fills defaults", () => {
    const p = supportPersona();
    expect(p.settings.language).toBe("English");
    expect(p.settings.limits).toEqual({ blockedTopics: [], floodMessagesPerMinute: 10 });
    expect(p.settings.replies).toEqual({});
    expect(fanPersona().settings.limits.blockedTopics).toEqual(["politics", { topic: "family", keywords: ["your kids", "tus hijos"] }]);
  });

  it("names the field and its line for a wrong type", () => {
    const source = file(FAN_FRONT_MATTER.replace("dailyMessagesPerFan: 3", "dailyMessagesPerFan: lots"));
    const lines = source.split("\n");
    const [problem] = problemsOf(source);
    expect(problem).toEqual({
      field: "limits.dailyMessagesPerFan",
      line: lines.findIndex((l) => l.includes("dailyMessagesPerFan")) + 1,
      message: expect.stringMatching(/whole number/),
    });
  });

  it("keeps an unquoted time or date as the text written (js-yaml 3 made 7:00 the number 420)", () => {
    const persona = parsePersonaFile(
      file(SUPPORT_FRONT_MATTER.replace('hours: "Tuesday to Saturday 7:00-18:00, Sunday 8:00-13:00"', "hours: 7:00\n  opened: 2024-05-01")),
      "x.md",
    );
    expect(persona.settings.facts).toMatchObject({ hours: "7:00", opened: "2024-05-01" });
  });

  it("points at a number where text belongs, with the fix", () => {
    const source = file(SUPPORT_FRONT_MATTER.replace('hours: "Tuesday to Saturday 7:00-18:00, Sunday 8:00-13:00"', "hours: 5.50"));
    const [problem] = problemsOf(source);
    expect(problem?.field).toBe("facts.hours");
    expect(problem?.line).toBe(6);
    expect(problem?.message).toMatch(/in quotes/);
  });

  it("reports every problem at once, each with its line", () => {
    const source = file(
      [
        "kind: fan",
        "name: Mia",
        "business: ''",
        "disclosur: Hi, I am an AI",
        "rules:",
        "  - fine",
        "  - 42",
        "owner:",
        "  channel: fax",
        "  to: x",
      ].join("\n"),
    );
    const problems = problemsOf(source);
    expect(problems).toEqual(
      expect.arrayContaining([
        { field: "business", line: 4, message: "business is empty" },
        { field: "disclosur", line: 5, message: expect.stringMatching(/unknown field/) },
        { field: "rules.1", line: 8, message: expect.stringMatching(/must be text/) },
        { field: "owner.channel", line: 10, message: expect.stringMatching(/admin, webchat/) },
      ]),
    );
    expect(() => parsePersonaFile(source, "prompts/x.md")).toThrowError(/prompts\/x\.md:5: disclosur: unknown field/);
  });

  it("requires a disclosure that says AI, and a daily cap, for a fan agent", () => {
    const without = FAN_FRONT_MATTER.replace(/disclosure: .*\n/, "").replace(/ {2}dailyMessagesPerFan: 3\n/, "");
    const problems = problemsOf(file(without));
    expect(problems.map((p) => p.field).sort()).toEqual(["disclosure", "limits.dailyMessagesPerFan"]);
    // Missing under limits: the line of limits itself.
    expect(problems.find((p) => p.field === "limits.dailyMessagesPerFan")?.line).toBe(lineOf(file(without), "limits:"));
    const vague = file(FAN_FRONT_MATTER.replace(/disclosure: .*/, 'disclosure: "Hi, it is Mia here!"'));
    expect(problemsOf(vague)).toEqual([
      { field: "disclosure", line: lineOf(vague, "disclosure:"), message: expect.stringMatching(/must say it is an AI/) },
    ]);
  });

  it("requires handoff triggers for a business", () => {
    const problems = problemsOf(file(SUPPORT_FRONT_MATTER.replace(/handoff:\n {2}triggers: .*\n/, "")));
    expect(problems).toEqual([{ field: "handoff", line: 1, message: expect.stringMatching(/required when kind is support/) }]);
  });

  it("gives the YAML error's line", () => {
    const problems = problemsOf(file("kind: support\nname: Rosa\nrules: [unclosed\nowner: x"));
    expect(problems).toEqual([{ field: "front matter", line: 5, message: expect.stringMatching(/not valid YAML/) }]);
  });

  it("refuses a file without front matter or without a body", () => {
    expect(problemsOf("Just a prompt.")).toEqual([{ field: "front matter", line: 1, message: expect.stringMatching(/must start/) }]);
    expect(problemsOf(file(SUPPORT_FRONT_MATTER, "   "))[0]?.field).toBe("body");
  });
});

describe("readYaml(...).lineOf", () => {
  const yamlKeyLine = (text: string, path: (string | number)[], firstLine = 1) => readYaml(text, firstLine).lineOf(path);
  const yaml = [
    "kind: fan",
    "limits:",
    "  blockedTopics:",
    "  - politics",
    "  - topic: family",
    "    keywords: [a, b]",
    "notes: |",
    "  kind: not a key",
    "tail: 1",
  ].join("\n");
  it("finds nested keys, list items at their key's indentation and keys inside items", () => {
    expect(yamlKeyLine(yaml, ["kind"])).toBe(1);
    expect(yamlKeyLine(yaml, ["limits", "blockedTopics", 0])).toBe(4);
    expect(yamlKeyLine(yaml, ["limits", "blockedTopics", 1, "keywords"])).toBe(6);
    expect(yamlKeyLine(yaml, ["tail"])).toBe(9);
  });
  it("falls back to the nearest ancestor, skips block scalars and offsets by the first line", () => {
    expect(yamlKeyLine(yaml, ["limits", "blockedTopics", 1, "keywords", 1])).toBe(6);
    expect(yamlKeyLine(yaml, ["limits", "maxReplyChars"])).toBe(2);
    expect(yamlKeyLine(yaml, ["missing"])).toBeUndefined();
    expect(yamlKeyLine(yaml, ["kind"], 10)).toBe(10);
  });
});
