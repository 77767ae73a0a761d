import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadChecksFile } from "../../src/app/persona-checks/load-checks-file.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "persona-checks-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

describe("scripted checks files", () => {
  it("load the shipped ones", async () => {
    for (const file of ["prompts/support-bakery.checks.yaml", "prompts/fan-creator.checks.yaml"]) {
      const checks = await loadChecksFile(file);
      expect(checks.conversations.length).toBeGreaterThan(3);
    }
  });

  it("name the field and line of a wrong expectation", async () => {
    const file = await write(
      "bad.checks.yaml",
      [
        "conversations:",
        "  - name: one",
        "    steps:",
        "      - say: hi",
        "        expect: { handof: true }",
        "      - say: hi",
        "        repeat: 0",
        "        expect: { silent: true }",
      ].join("\n"),
    );
    await expect(loadChecksFile(file)).rejects.toThrowError(/bad\.checks\.yaml:5: conversations\.0\.steps\.0\.expect: /);
    await expect(loadChecksFile(file)).rejects.toThrowError(/bad\.checks\.yaml:7: conversations\.0\.steps\.1\.repeat: /);
  });

  it("give the line of a YAML error, and say when the file is missing", async () => {
    const file = await write("broken.checks.yaml", "conversations:\n  - name: [oops\n    steps: []\n");
    await expect(loadChecksFile(file)).rejects.toThrowError(/broken\.checks\.yaml:3: not valid YAML/);
    await expect(loadChecksFile(path.join(dir, "none.checks.yaml"))).rejects.toThrowError(/no scripted checks/);
  });
});
