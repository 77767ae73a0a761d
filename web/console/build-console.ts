// Bundles the console (web/console/*.ts) with esbuild: app.js (the page's one module, from app.ts)
// and sw.js (the service worker, its own entry: it is served from /console/, its scope), beside the
// static files. `npm run build` writes it into dist/ where console-routes.ts serves it from; a run
// from source (tsx, vitest) calls developmentConsoleBundle() at start instead. esbuild is imported
// only when a bundle is made, so production (no dev dependencies) never loads it.
import { createHash } from "node:crypto";
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, utimes } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SOURCE_DIR = fileURLToPath(new URL("./", import.meta.url));
const ROOT = path.resolve(SOURCE_DIR, "../..");
/** Served as they are. */
const STATIC_FILES = ["index.html", "console.css", "manifest.webmanifest"];
/** Bundles made from source, one folder per content of web/console (so never stale, and shared by processes). */
const DEV_CACHE = path.join(ROOT, "node_modules", ".cache", "parlor-console");
/** A cached bundle no process has made or used for this long is removed when a new one is made. */
const DEV_CACHE_KEEP_MS = 86_400_000;

export interface ConsoleBuildOptions {
  readonly outdir: string;
  /** production: minified, no source maps; development: readable, with linked source maps. */
  readonly mode: "production" | "development";
}

/** Writes app.js, sw.js and the static files into outdir. */
export async function buildConsole({ outdir, mode }: ConsoleBuildOptions): Promise<void> {
  const esbuild = await import("esbuild");
  const common = {
    bundle: true,
    platform: "browser",
    target: "es2022",
    outdir,
    minify: mode === "production",
    sourcemap: mode === "development" ? "linked" : false,
    // No inline code anywhere (the CSP allows scripts from 'self' only): esbuild writes files only.
    legalComments: "none",
    charset: "utf8",
    logLevel: "silent",
  } as const;
  await mkdir(outdir, { recursive: true });
  await Promise.all([
    esbuild.build({ ...common, entryPoints: { app: path.join(SOURCE_DIR, "app.ts") }, format: "esm" }),
    // A classic worker script (registered without type: "module", which older Safari lacks).
    esbuild.build({ ...common, entryPoints: { sw: path.join(SOURCE_DIR, "sw.ts") }, format: "iife" }),
    ...STATIC_FILES.map((name) => copyFile(path.join(SOURCE_DIR, name), path.join(outdir, name))),
  ]);
}

/**
 * The folder holding the bundle of the console as web/console has it now, made if missing: a run
 * from source serves it, so an edit shows at the next start without a build step. Concurrent
 * starts (parallel test files) each build into their own folder and the first rename wins.
 */
export async function developmentConsoleBundle(): Promise<string> {
  const dir = path.join(DEV_CACHE, await sourceHash());
  if (await exists(path.join(dir, "app.js"))) {
    const now = new Date();
    await utimes(dir, now, now).catch(() => undefined);
    return dir;
  }
  const building = `${dir}.building-${process.pid}-${Date.now()}`;
  try {
    await buildConsole({ outdir: building, mode: "development" });
    await rename(building, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another process renamed its identical bundle there first.
      if (!(await exists(path.join(dir, "app.js")))) throw error;
    });
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  await pruneOldBundles(dir);
  return dir;
}

async function sourceHash(): Promise<string> {
  const hash = createHash("sha256");
  const { version } = JSON.parse(await readFile(path.join(ROOT, "node_modules", "esbuild", "package.json"), "utf8")) as { version: string };
  hash.update(`esbuild ${version}\n`);
  for (const name of (await readdir(SOURCE_DIR)).sort()) {
    const file = path.join(SOURCE_DIR, name);
    if ((await stat(file)).isFile()) hash.update(`${name}\n`).update(await readFile(file));
  }
  return hash.digest("hex").slice(0, 16);
}

async function pruneOldBundles(keep: string): Promise<void> {
  for (const name of await readdir(DEV_CACHE).catch(() => [])) {
    const dir = path.join(DEV_CACHE, name);
    if (dir === keep) continue;
    const info = await stat(dir).catch(() => null);
    if (info && Date.now() - info.mtimeMs > DEV_CACHE_KEEP_MS) await rm(dir, { recursive: true, force: true });
  }
}

function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
