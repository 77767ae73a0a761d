import { setTimeout as sleep } from "node:timers/promises";
import { unlinkSync } from "node:fs";
import { link, mkdir, readFile, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { FatalError } from "../domain/errors.js";

export interface DataDirLock {
  /** Set when the lock was taken over from a process that had died holding it. */
  readonly tookOverFrom?: LockOwner;
  release(): Promise<void>;
}

export interface LockOwner {
  readonly pid: number;
  readonly hostname: string;
  readonly command: string;
  readonly since: string;
}

/** A take-over left half done (its process died in those milliseconds) is given up after this long. */
const TAKEOVER_STALE_MS = 10_000;

/**
 * One process at a time per embedded data directory: `<dir>.lock` holds the owner's pid. A second
 * process is refused with a message naming the owner; a lock whose process is gone (killed with
 * SIGKILL, machine restarted) is taken over and the caller is told whose it was.
 */
export async function lockDataDir(dir: string, hint: string): Promise<DataDirLock> {
  const lockFile = `${path.resolve(dir)}.lock`;
  await mkdir(path.dirname(lockFile), { recursive: true });
  const me: LockOwner = { pid: process.pid, hostname: os.hostname(), command: process.argv.slice(1).join(" "), since: new Date().toISOString() };
  let tookOverFrom: LockOwner | undefined;
  for (let attempt = 0; ; attempt++) {
    if (await create(lockFile, me)) break;
    const owner = await readOwner(lockFile);
    if (owner && isAlive(owner)) throw inUse(dir, lockFile, owner, hint);
    if (attempt >= 50)
      throw new FatalError("DATA_DIR_LOCKED", `could not lock ${dir} (${lockFile} keeps changing); is another Parlor process starting?`);
    // Its owner is gone (or the file is unreadable): take over, one process at a time.
    const takeover = `${lockFile}.takeover`;
    if (!(await tryMkdir(takeover))) {
      await sleep(100);
      continue;
    }
    try {
      const again = await readOwner(lockFile);
      if (again && isAlive(again)) throw inUse(dir, lockFile, again, hint);
      await unlink(lockFile).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
      });
      if (await create(lockFile, me)) {
        tookOverFrom = again ?? undefined;
        break;
      }
    } finally {
      await rmdir(takeover).catch(() => undefined);
    }
  }
  // process.exit() skips async cleanups (a forced stop): the lock goes with the process all the same.
  const releaseSync = () => {
    try {
      unlinkSync(lockFile);
    } catch {
      // already gone
    }
  };
  process.once("exit", releaseSync);
  return {
    ...(tookOverFrom ? { tookOverFrom } : {}),
    async release() {
      process.removeListener("exit", releaseSync);
      const owner = await readOwner(lockFile);
      if (owner?.pid === me.pid && owner.since === me.since) await unlink(lockFile).catch(() => undefined);
    },
  };

  async function tryMkdir(target: string): Promise<boolean> {
    try {
      await mkdir(target);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = await stat(target).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > TAKEOVER_STALE_MS) await rmdir(target).catch(() => undefined);
      return false;
    }
  }
}

/** Written aside, then linked into place: the lock file never exists half written. */
async function create(lockFile: string, owner: LockOwner): Promise<boolean> {
  const draft = `${lockFile}.${owner.pid}.draft`;
  await writeFile(draft, `${JSON.stringify(owner)}\n`);
  try {
    await link(draft, lockFile);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await unlink(draft).catch(() => undefined);
  }
}

async function readOwner(lockFile: string): Promise<LockOwner | null> {
  try {
    const owner = JSON.parse(await readFile(lockFile, "utf8")) as Partial<LockOwner>;
    return typeof owner.pid === "number" && typeof owner.hostname === "string" ? (owner as LockOwner) : null;
  } catch {
    // Missing, or not a lock this code wrote (it never writes one half way): nobody's.
    return null;
  }
}

/** Another machine's process (a shared volume) cannot be checked from here: it counts as alive. */
function isAlive(owner: LockOwner): boolean {
  if (owner.hostname !== os.hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The line to tell the user when a dead process's lock was taken over. */
export function describeTakeOver(dir: string, owner: LockOwner): string {
  return `took over ${shown(dir)} from pid ${owner.pid}, which is no longer running (it stopped without releasing it, e.g. killed)`;
}

function inUse(dir: string, lockFile: string, owner: LockOwner, hint: string): FatalError {
  const where = shown(dir);
  const who = owner.hostname === os.hostname() ? `pid ${owner.pid}` : `pid ${owner.pid} on ${owner.hostname}; delete ${lockFile} if it is gone`;
  return new FatalError("DATA_DIR_IN_USE", `another Parlor process (${who}) is using ${where}; ${hint}`);
}

/** Relative to the working directory when inside it (.data/pglite), else absolute. */
function shown(dir: string): string {
  const relative = path.relative(process.cwd(), path.resolve(dir));
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : path.resolve(dir);
}
