import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { lockDataDir } from "../src/dev/data-dir-lock.js";

const ROOT = path.resolve(".");
const DIST = path.join(ROOT, "dist");
const STAMP = path.join(DIST, ".build-inputs");
/** Everything `npm run build` reads: a change to any of it means dist/ is stale. */
const INPUTS = ["src", "web", "scripts", "tsconfig.json", "tsconfig.build.json", "package.json", "package-lock.json"];
const BUILD_TIMEOUT_MS = 240_000;

/**
 * dist/ as the Dockerfile makes it (`npm run build`), built at most once per change of its inputs:
 * the test files that start production processes share one build (in this run or an earlier one
 * with the same sources), and a stale dist/ is never used.
 */
export async function ensureProductionBuild(): Promise<void> {
  const inputs = await hashInputs();
  for (const deadline = Date.now() + BUILD_TIMEOUT_MS; ; ) {
    if ((await readFile(STAMP, "utf8").catch(() => "")) === inputs) return;
    // One builder at a time (test files run in parallel): the others wait for its stamp.
    const lock = await lockDataDir(DIST, "").catch(() => undefined);
    if (!lock) {
      if (Date.now() > deadline) throw new Error(`dist/ was not built within ${BUILD_TIMEOUT_MS} ms by another test process`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    try {
      if ((await readFile(STAMP, "utf8").catch(() => "")) === inputs) return;
      await runBuild();
      await writeFile(STAMP, inputs);
      return;
    } finally {
      await lock.release();
    }
  }
}

function runBuild(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "build"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), BUILD_TIMEOUT_MS);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`npm run build failed (${signal ? `killed: ${signal}, over ${BUILD_TIMEOUT_MS} ms?` : `exit ${code}`}):\n${output}`));
    });
  });
}

async function hashInputs(): Promise<string> {
  const hash = createHash("sha256");
  const add = async (relative: string): Promise<void> => {
    const full = path.join(ROOT, relative);
    const entries = await readdir(full, { withFileTypes: true }).catch(() => null);
    if (!entries) {
      hash.update(relative).update(await readFile(full));
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) await add(path.join(relative, entry.name));
  };
  for (const input of INPUTS) await add(input);
  return hash.digest("hex");
}
