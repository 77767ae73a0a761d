// Which native binding node-llama-cpp loads. scripts/build-binding.sh builds the binding from the source
// node-llama-cpp bundles with this machine's compiler and the project's patches (patches/binding:
// a persistent ggml threadpool), into ~/.cache/parlor/binding/<key>; node-llama-cpp loads a local build
// from node_modules/node-llama-cpp/llama/localBuilds/<platform>-<arch> before its prebuilt binary, so
// linkLocalBinding() points that folder at the cached build for the current key (a fresh `npm ci` drops
// the link) or removes a link to a build of another key. With no build, the prebuilt binary runs.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { lstat, mkdir, open, readdir, readFile, readlink, rename, rm, symlink } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));
export const bindingPatchesDir = path.join(root, "patches", "binding");
const buildScript = path.join(root, "scripts", "build-binding.sh");
export const bindingCacheDir = path.join(os.homedir(), ".cache", "parlor", "binding");

export function nodeLlamaCppDir(): string {
  // its package.json is not exported; the main entry is dist/index.js
  return path.resolve(path.dirname(createRequire(import.meta.url).resolve("node-llama-cpp")), "..");
}

export interface BindingKey {
  version: string;
  /** llama.cpp commit of the bundled source (first 12 hex digits) */
  commit: string;
  /** the patches and the build recipe (first 12 hex digits of their SHA-256) */
  recipe: string;
  key: string;
}

/** The cache key of a local build: node-llama-cpp's version, the bundled llama.cpp commit, the patches and the build script. */
export async function bindingKey(): Promise<BindingKey> {
  const dir = nodeLlamaCppDir();
  const { version } = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")) as { version: string };
  const commit = await bundleHead(path.join(dir, "llama", "gitRelease.bundle"));
  const hash = createHash("sha256");
  const patches = (await readdir(bindingPatchesDir).catch(() => [] as string[])).filter((f) => f.endsWith(".diff")).sort();
  for (const file of patches)
    hash
      .update(`${file}\0`)
      .update(await readFile(path.join(bindingPatchesDir, file)))
      .update("\0");
  hash.update(await readFile(buildScript));
  const recipe = hash.digest("hex").slice(0, 12);
  return { version, commit, recipe, key: `${version}-${commit}-${recipe}` };
}

/** The HEAD commit named in a git bundle's header ("<sha> HEAD" among its first lines). */
async function bundleHead(bundle: string): Promise<string> {
  const handle = await open(bundle, "r");
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const head = /^([0-9a-f]{40}) HEAD$/m.exec(buffer.subarray(0, bytesRead).toString("latin1"));
    if (!head) throw new Error(`no HEAD in ${bundle}`);
    return head[1]!.slice(0, 12);
  } finally {
    await handle.close();
  }
}

export interface LocalBinding {
  /** the cached build now linked, or undefined when none exists for this key (the prebuilt binary runs) */
  dir?: string;
  key: string;
  /** why no local build is used, when none is */
  reason?: string;
}

/** Links the cached local build for the current key where node-llama-cpp looks for one; call before getLlama(). */
export async function linkLocalBinding(): Promise<LocalBinding> {
  // Without the patches or the build script (an image that copied only dist/), there is no key and no local build.
  const key = await bindingKey().then(
    (k) => k.key,
    (error: Error) => error,
  );
  if (key instanceof Error) return { key: "unknown", reason: `no cache key (${key.message})` };
  const platformDir = path.join(nodeLlamaCppDir(), "llama", "localBuilds", `${process.platform}-${process.arch}`);
  const built = path.join(bindingCacheDir, key);
  const current = await lstat(platformDir).then(
    (s) => (s.isSymbolicLink() ? readlink(platformDir) : "not a link"),
    () => undefined,
  );
  try {
    if (!existsSync(path.join(built, "buildDone.status"))) {
      // A link to another key's build (older patches or recipe) is dropped; a folder node-llama-cpp built itself is left alone.
      if (current !== undefined && current !== "not a link") await rm(platformDir, { force: true });
      return { key, reason: current === "not a link" ? "node-llama-cpp's own local build" : `no build in ${built} (scripts/build-binding.sh)` };
    }
    if (current !== built) {
      if (current === "not a link") return { key, reason: `${platformDir} is node-llama-cpp's own local build` };
      // Replaced in one rename: processes starting together (test files) never see it missing.
      await mkdir(path.dirname(platformDir), { recursive: true });
      const temporary = `${platformDir}.${process.pid}.tmp`;
      await rm(temporary, { force: true });
      await symlink(built, temporary);
      await rename(temporary, platformDir);
    }
    return { dir: built, key };
  } catch (error) {
    return { key, reason: `could not link ${platformDir}: ${(error as Error).message}` };
  }
}

let linking: Promise<LocalBinding> | undefined;
/** linkLocalBinding() once per process (several getLlama() callers share it). */
export function localBinding(): Promise<LocalBinding> {
  return (linking ??= linkLocalBinding());
}

/** One line for the start-up log: which binary runs. */
export async function describeBinding(buildType: "localBuild" | "prebuilt", local: LocalBinding): Promise<string> {
  if (buildType === "localBuild" && local.dir) {
    const compiler = (await readFile(path.join(local.dir, "compiler.txt"), "utf8").catch(() => "")).trim();
    return `native binding: local build ${local.key}${compiler ? ` (${compiler})` : ""}`;
  }
  if (buildType === "localBuild") return `native binding: node-llama-cpp's own local build (${local.reason ?? "unknown"})`;
  return `native binding: node-llama-cpp's prebuilt binary (${local.reason ?? "local build not loaded"})`;
}
