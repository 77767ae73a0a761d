// `npm run build`: the production build the Dockerfile runs. Compiles src/ to dist/ with
// tsconfig.build.json, copies the files the code reads at run time next to the compiled code
// (pages and docs assets, found through import.meta.url) and bundles the console (web/console) into
// dist/adapters/http/console/assets/, where console-routes.js serves it from. dist/ sits at the same
// depth as src/, so paths that leave src/ (prompts/, prisma/migrations/) resolve the same from either.
import { spawn } from "node:child_process";
import { cp, readdir, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildConsole } from "../web/console/build-console.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const src = path.join(root, "src");
const dist = path.join(root, "dist");

await rm(dist, { recursive: true, force: true });
await compile();
const copied = await copyAssets(src);
await buildConsole({ outdir: path.join(dist, "adapters", "http", "console", "assets"), mode: "production" });
process.stdout.write(`built ${path.relative(root, dist)}/ (${copied} asset files copied, console bundled)\n`);

function compile(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  return new Promise<void>((resolve) => {
    const child = spawn(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });
    child.on("exit", (code) => {
      if (code === 0) return resolve();
      // tsc has printed its errors above.
      process.stderr.write(`build failed: tsc -p tsconfig.build.json exited with ${code}\n`);
      process.exit(1);
    });
  });
}

/** Every file under src/ that tsc does not emit (anything but .ts), at the same place under dist/. */
async function copyAssets(dir: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const from = path.join(dir, entry.name);
    if (entry.isDirectory()) count += await copyAssets(from);
    else if (!entry.name.endsWith(".ts")) {
      await cp(from, path.join(dist, path.relative(src, from)));
      count += 1;
    }
  }
  return count;
}
