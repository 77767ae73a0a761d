import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaChatModel } from "../../src/adapters/llm/llama-chat-model.js";
import { bindingCacheDir, bindingKey, bindingPatchesDir, nodeLlamaCppDir } from "../../src/adapters/llm/native-binding.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";

const run = promisify(execFile);

describe("native binding", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "native-binding-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // An upgrade of node-llama-cpp whose addon or llama.cpp no longer takes a patch fails here, not in a build log.
  it("the project's patches apply to what node-llama-cpp bundles: a persistent threadpool per context, a sequence's state into memory, decode and sampling in one job, F16 vector tails, flash attention tiled for small batches, the repeat penalty by token", async () => {
    const patches = (await readdir(bindingPatchesDir)).filter((f) => f.endsWith(".diff")).sort();
    expect(patches).toEqual([
      "decode-and-sample.diff",
      "f16-vector-tails.diff",
      "flash-attention-small-batches.diff",
      "penalties-by-token.diff",
      "persistent-threadpool.diff",
      "sequence-state-to-memory.diff",
    ]);
    const llama = join(dir, "llama");
    await cp(join(nodeLlamaCppDir(), "llama", "addon"), join(llama, "addon"), { recursive: true });
    // The llama.cpp files the patches change, at the commit node-llama-cpp bundles.
    const repo = join(dir, "bundle");
    await run("git", ["init", "-q", repo]);
    await run("git", ["-C", repo, "fetch", "-q", join(nodeLlamaCppDir(), "llama", "gitRelease.bundle"), "HEAD"]);
    for (const file of ["src/llama-sampler.cpp", "ggml/src/ggml-cpu/ops.cpp", "ggml/src/ggml-cpu/vec.h"]) {
      const text = (await run("git", ["-C", repo, "show", `FETCH_HEAD:${file}`], { maxBuffer: 64 << 20 })).stdout;
      await mkdir(dirname(join(llama, "llama.cpp", file)), { recursive: true });
      await writeFile(join(llama, "llama.cpp", file), text);
    }
    for (const patch of patches) await run("git", ["-C", llama, "apply", "-p1", join(bindingPatchesDir, patch)]);
    const context = await readFile(join(llama, "addon", "AddonContext.cpp"), "utf8");
    expect(context).toContain("llama_attach_threadpool(ctx, created, nullptr)");
    expect(context).toContain("threadpoolFreeFn(threadpool)");
    expect(context).toContain('InstanceMethod("saveSequenceStateToBuffer", &AddonContext::SaveSequenceStateToBuffer)');
    expect(context).toContain('InstanceMethod("decodeBatchAndSample", &AddonContext::DecodeBatchAndSample)');
    expect(await readFile(join(llama, "llama.cpp", "src", "llama-sampler.cpp"), "utf8")).toContain("penalize(cur_p->data[token], count)");
    expect(await readFile(join(llama, "llama.cpp", "ggml", "src", "ggml-cpu", "ops.cpp"), "utf8")).toContain("neq1 >= Q_TILE_MIN");
    expect(await readFile(join(llama, "llama.cpp", "ggml", "src", "ggml-cpu", "vec.h"), "utf8")).toContain("_mm512_fmadd_ps(x32, v32, y32)");
  }, 60_000);

  it("the cache key names node-llama-cpp's version and the bundled llama.cpp commit", async () => {
    const { version } = JSON.parse(await readFile(join(nodeLlamaCppDir(), "package.json"), "utf8")) as { version: string };
    const heads = (await run("git", ["bundle", "list-heads", join(nodeLlamaCppDir(), "llama", "gitRelease.bundle")])).stdout;
    const head = /^([0-9a-f]{40}) HEAD$/m.exec(heads)![1]!;
    expect((await bindingKey()).key).toMatch(new RegExp(`^${version.replaceAll(".", "\\.")}-${head.slice(0, 12)}-[0-9a-f]{12}$`));
  });

  // .ci/run builds the binding (scripts/build-binding.sh) when a compiler is present; without one the prebuilt binary runs.
  it("start-up says which binary runs: the local build of the current key when one is cached, else node-llama-cpp's prebuilt one", async () => {
    const { key } = await bindingKey();
    const built = existsSync(join(bindingCacheDir, key, "buildDone.status"));
    const model = await LlamaChatModel.load({ modelPath: await ensureTinyModel(dir), threads: 1, contextSize: 512, sequences: 1, temperature: 0 });
    try {
      if (built) {
        expect(model.binding).toMatch(new RegExp(`^native binding: local build ${key} \\(.*\\d+\\.\\d+.*\\)$`));
      } else {
        expect(model.binding).toMatch(/^native binding: node-llama-cpp's prebuilt binary \(no build in .*\)$/);
      }
      expect(model.description).toContain(model.binding);
    } finally {
      await model.close();
    }
  }, 60_000);
});
