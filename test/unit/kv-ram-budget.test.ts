import { statfs } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RAM_TIER_CAP_BYTES, ramTierSize } from "../../src/adapters/llm/kv-ram-budget.js";

// Real file systems: /dev/shm is tmpfs on Linux; the worktree is on a disk.
describe("RAM tier size", () => {
  it("defaults to min(8 GiB, 1/4 of available memory, 3/4 of the tmpfs's free space), for a directory not created yet", async () => {
    const size = await ramTierSize("/dev/shm/parlor-size-test/not/yet", undefined);
    const shm = await statfs("/dev/shm");
    expect(size.bytes).toBeGreaterThan(0);
    expect(size.bytes).toBeLessThanOrEqual(RAM_TIER_CAP_BYTES);
    expect(size.bytes).toBeLessThanOrEqual((os.freemem() * 1.1) / 4);
    expect(size.bytes).toBeLessThanOrEqual((shm.bavail * shm.bsize * 3) / 4);
  });

  it("takes LLM_KV_RAM_MB as given on tmpfs", async () => {
    expect(await ramTierSize("/dev/shm/x", 256 * 2 ** 20)).toEqual({ bytes: 256 * 2 ** 20 });
  });

  it("is off, with the reason, where the directory is not on tmpfs (a RAM tier there would be a second disk tier)", async () => {
    const dir = path.resolve("test");
    expect(await ramTierSize(dir, undefined)).toEqual({ bytes: 0, why: `${dir} is not on tmpfs` });
    expect(await ramTierSize(dir, 256 * 2 ** 20)).toEqual({ bytes: 0, why: `${dir} is not on tmpfs` });
  });
});
