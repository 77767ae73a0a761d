import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { envSchema } from "../../src/config/config-schema.js";

// The README's configuration tables are the environment schema, variable for variable: a setting
// added, moved to the database or to compose options shows up here until the README says so.
function readmeVariables(): string[] {
  const readme = readFileSync("README.md", "utf8");
  const section = readme.slice(readme.indexOf("### Configuration\n"), readme.indexOf("## Connecting WhatsApp and Instagram"));
  const names: string[] = [];
  for (const line of section.split("\n")) {
    if (!line.startsWith("| `")) continue;
    const firstCell = line.split(" | ")[0]!;
    for (const [, name] of firstCell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) names.push(name!);
  }
  return names;
}

describe("README configuration", () => {
  it("lists exactly the variables the environment schema reads, each once", () => {
    const listed = readmeVariables();
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(Object.keys(envSchema.shape).sort());
  });

  it("no longer reads the business settings or the test timings from the environment", () => {
    const moved = [
      "REPLY_MAX_TOKENS",
      "LLM_TEMPERATURE",
      "TURN_DEBOUNCE_MS",
      "KNOWLEDGE_BUDGET_TOKENS",
      "OWNER_QUIET_MINUTES",
      "NON_TEXT_REPLY",
      "STALLED_CHECK_MS",
      "RECONCILE_INTERVAL_MS",
      "RECONCILE_AFTER_MS",
      "TURN_INTERRUPT_POLL_MS",
      "TURN_BUSY_RETRY_MS",
      "METRICS_CACHE_MS",
      "PERSONA_CHECK_DEBOUNCE_MS",
    ];
    for (const name of moved) expect(Object.keys(envSchema.shape)).not.toContain(name);
  });
});
