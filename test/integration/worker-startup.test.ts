import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEntry } from "../../test-kit/run-entry.js";
import { TEST_PG_ADMIN_URL, TEST_REDIS_URL } from "../../test-kit/test-env.js";

// The worker refuses to start, naming the file, before it consumes anything.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "parlor-model-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const env = (modelPath: string) => ({ DATABASE_URL: TEST_PG_ADMIN_URL, REDIS_URL: TEST_REDIS_URL, MODEL_PATH: modelPath, LOG_LEVEL: "silent" });

describe("worker start-up", () => {
  it("refuses a missing model file", async () => {
    const missing = path.join(dir, "nowhere", "llama-2-7b-chat.Q4_K_M.gguf");
    const result = await runEntry("src/main/worker.ts", env(missing));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("MODEL_FILE_MISSING");
    expect(result.stderr).toContain(missing);
    expect(result.stderr).not.toContain("    at ");
  });

  it("refuses a file that is not a GGUF model", async () => {
    const notGguf = path.join(dir, "model.gguf");
    await writeFile(notGguf, "<html>404 Not Found</html>");
    const result = await runEntry("src/main/worker.ts", env(notGguf));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("MODEL_FILE_CORRUPT");
    expect(result.stderr).toContain(notGguf);
  });

  it("refuses a truncated GGUF file", async () => {
    const truncated = path.join(dir, "truncated.gguf");
    const handle = await open(truncated, "w");
    await handle.write(Buffer.concat([Buffer.from("GGUF"), Buffer.from([3, 0, 0, 0]), Buffer.alloc(40, 7)]));
    await handle.close();
    const result = await runEntry("src/main/worker.ts", env(truncated));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("MODEL_FILE_CORRUPT");
    expect(result.stderr).toContain(truncated);
  });

  it("lists every missing or bad setting at once", async () => {
    const result = await runEntry("src/main/worker.ts", { PORT: "not-a-port", LLM_THREADS: "0" });
    expect(result.code).toBe(1);
    for (const name of ["DATABASE_URL", "REDIS_URL", "MODEL_PATH", "PORT", "LLM_THREADS"]) expect(result.stderr).toContain(name);
    expect(result.stderr).toContain("Invalid configuration (5 problems)");
  });
});
