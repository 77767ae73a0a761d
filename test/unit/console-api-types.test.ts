import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { CONSOLE_API_TYPES_FILE, generateConsoleApiTypes } from "../../scripts/console-api-types.js";

describe("web/console/api-types.ts", () => {
  it("is what openapi-typescript makes of the admin API's OpenAPI document now (else run npm run console:types)", async () => {
    const committed = await readFile(CONSOLE_API_TYPES_FILE, "utf8");
    const fresh = await generateConsoleApiTypes();
    // One failing line, not a 4,000-line diff: the first line that differs.
    const a = committed.split("\n");
    const b = fresh.split("\n");
    const at = a.findIndex((line, i) => line !== b[i]);
    expect(at === -1 && a.length === b.length ? "same" : `differs at line ${at + 1}: ${JSON.stringify(a[at])} vs ${JSON.stringify(b[at])}`).toBe(
      "same",
    );
  }, 60_000);
});
