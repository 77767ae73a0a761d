import { statfs } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

const TMPFS_MAGIC = 0x01021994;
const RAMFS_MAGIC = 0x858458f6;
/** llama-server's default host-RAM prompt cache (--cache-ram) is 8 GiB; ours defaults to no more. */
export const RAM_TIER_CAP_BYTES = 8 * 2 ** 30;

export type RamTierSize = { readonly bytes: number } | { readonly bytes: 0; readonly why: string };

/**
 * How many bytes the RAM tier may hold in `dir`. The tier is files on a memory-backed file system
 * (node-llama-cpp 3.21 saves and loads a sequence's state only through files), so `dir` must be
 * on tmpfs or ramfs; anywhere else the tier is off (0) and evicted conversations go straight to
 * disk. `configuredBytes` (LLM_KV_RAM_MB) wins when set; otherwise the rule is
 * min(8 GiB, 1/4 of the memory available now (cgroup limit included), 3/4 of the tmpfs's free space):
 * tmpfs pages are RAM the model and the OS also need, and a container's /dev/shm is often small.
 */
export async function ramTierSize(dir: string, configuredBytes: number | undefined): Promise<RamTierSize> {
  const fs = await statfsOfNearest(dir);
  if (!fs) return { bytes: 0, why: `${dir} cannot be reached` };
  if (fs.type !== TMPFS_MAGIC && fs.type !== RAMFS_MAGIC) return { bytes: 0, why: `${dir} is not on tmpfs` };
  if (configuredBytes !== undefined) return { bytes: configuredBytes };
  const constrained = process.constrainedMemory?.() ?? 0;
  const available = constrained > 0 && constrained < os.totalmem() ? Math.min(os.freemem(), constrained - process.memoryUsage().rss) : os.freemem();
  const tmpfsFree = fs.type === TMPFS_MAGIC ? fs.bavail * fs.bsize : Number.POSITIVE_INFINITY;
  return { bytes: Math.max(0, Math.floor(Math.min(RAM_TIER_CAP_BYTES, available / 4, (tmpfsFree * 3) / 4))) };
}

/** statfs of `dir`, or of its nearest existing parent (the tier's directory is created on first save). */
async function statfsOfNearest(dir: string) {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const fs = await statfs(at).catch(() => undefined);
    if (fs || at === path.dirname(at)) return fs;
  }
}
