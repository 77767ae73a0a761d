import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ModelPullAbortedError,
  ModelPullHttpError,
  ModelPullIntegrityError,
  ModelPullNetworkError,
  pullModel,
  type PullProgress,
} from "../../src/adapters/llm/model-pull.js";
import { writeGguf } from "../../src/dev/tiny-model/gguf-writer.js";

/** One request as the server saw it. */
interface Hit {
  path: string;
  range: string | null;
}

let workDir: string;
let fixture: Buffer;
let server: Server;
let baseUrl: string;
let hits: Hit[];
/** Paths whose next request is cut off after this many body bytes. */
const cutNext = new Map<string, number>();

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "model-pull-"));
  const fixturePath = join(workDir, "fixture.gguf");
  await writeGguf(fixturePath, {
    metadata: [
      { key: "general.architecture", value: { type: "string", value: "llama" } },
      { key: "general.name", value: { type: "string", value: "model-pull fixture" } },
      { key: "llama.context_length", value: { type: "uint32", value: 128 } },
    ],
    tensors: [
      {
        name: "weights",
        dims: [256, 256],
        data: () => Float32Array.from({ length: 256 * 256 }, (_, i) => Math.sin(i)),
      },
    ],
  });
  fixture = await readFile(fixturePath);

  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
  await rm(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  hits = [];
  cutNext.clear();
});

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", baseUrl);
  const range = req.headers.range ?? null;
  hits.push({ path: url.pathname, range });
  switch (url.pathname) {
    case "/model.gguf":
      return serveFile(res, fixture, range, { cutAfter: takeCut(url.pathname) });
    case "/slow.gguf":
      return serveFile(res, fixture, range, { chunkDelayMs: 5 });
    case "/no-range.gguf":
      return serveFile(res, fixture, null, {});
    case "/redirect":
      res.writeHead(302, { location: "/model.gguf?X-Amz-Signature=secret" }).end();
      return;
    case "/not-gguf":
      res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>Sign in</title>");
      return;
    default:
      res.writeHead(404, { "content-type": "text/plain" }).end("Entry not found");
  }
}

function takeCut(path: string): number | undefined {
  const n = cutNext.get(path);
  cutNext.delete(path);
  return n;
}

async function serveFile(
  res: ServerResponse,
  body: Buffer,
  range: string | null,
  opts: { cutAfter?: number | undefined; chunkDelayMs?: number },
): Promise<void> {
  let start = 0;
  const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
  if (m) {
    start = Number(m[1]);
    if (start >= body.length) {
      res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
      return;
    }
    res.writeHead(206, {
      "content-type": "application/octet-stream",
      "content-length": body.length - start,
      "content-range": `bytes ${start}-${body.length - 1}/${body.length}`,
    });
  } else {
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length });
  }
  const part = body.subarray(start);
  if (opts.cutAfter !== undefined) {
    res.write(part.subarray(0, opts.cutAfter));
    // Let the client receive and store those bytes, then drop the connection mid-body.
    await sleep(100);
    res.socket?.destroy();
    return;
  }
  const chunk = 16 * 1024;
  for (let i = 0; i < part.length; i += chunk) {
    if (res.destroyed) return;
    res.write(part.subarray(i, i + chunk));
    if (opts.chunkDelayMs) await sleep(opts.chunkDelayMs);
  }
  res.end();
}

function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}

async function freshDir(): Promise<string> {
  return mkdtemp(join(workDir, "dl-"));
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe("pullModel against a real HTTP server", () => {
  it("downloads a GGUF file and reports progress", async () => {
    const destination = join(await freshDir(), "models", "m.gguf");
    const progress: PullProgress[] = [];
    const result = await pullModel({
      url: `${baseUrl}/model.gguf`,
      destination,
      onProgress: (p) => progress.push(p),
    });
    expect(result).toEqual({ path: destination, bytes: fixture.length, resumed: false, alreadyPresent: false });
    expect((await readFile(destination)).equals(fixture)).toBe(true);
    expect(await exists(`${destination}.part`)).toBe(false);
    expect(progress.at(-1)).toEqual({ received: fixture.length, total: fixture.length });
    expect(hits).toEqual([{ path: "/model.gguf", range: null }]);
  });

  it("resumes with a Range request after the connection breaks", async () => {
    const destination = join(await freshDir(), "m.gguf");
    cutNext.set("/model.gguf", 100_000);
    const first = pullModel({ url: `${baseUrl}/model.gguf`, destination });
    await expect(first).rejects.toBeInstanceOf(ModelPullNetworkError);
    await expect(first).rejects.toMatchObject({ code: "MODEL_PULL_NETWORK" });
    const kept = (await stat(`${destination}.part`)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(fixture.length);
    expect(await exists(destination)).toBe(false);

    const result = await pullModel({ url: `${baseUrl}/model.gguf`, destination });
    expect(result).toMatchObject({ bytes: fixture.length, resumed: true });
    expect(hits.at(-1)).toEqual({ path: "/model.gguf", range: `bytes=${kept}-` });
    expect((await readFile(destination)).equals(fixture)).toBe(true);
    expect(await exists(`${destination}.part`)).toBe(false);
  });

  it("stops on abort, keeps the .part file, and resumes it later", async () => {
    const destination = join(await freshDir(), "m.gguf");
    const controller = new AbortController();
    let reported = 0;
    const aborted = pullModel({
      url: `${baseUrl}/slow.gguf`,
      destination,
      signal: controller.signal,
      onProgress: (p) => {
        reported = p.received;
        if (p.received >= 32 * 1024) controller.abort();
      },
    });
    await expect(aborted).rejects.toBeInstanceOf(ModelPullAbortedError);
    await expect(aborted).rejects.toMatchObject({ code: "MODEL_PULL_ABORTED" });
    // Every byte reported before the abort is in the .part file, so the resume asks for the rest only.
    const kept = (await stat(`${destination}.part`)).size;
    expect(kept).toBeGreaterThanOrEqual(reported);
    expect(reported).toBeGreaterThanOrEqual(32 * 1024);
    expect(kept).toBeLessThan(fixture.length);

    const result = await pullModel({ url: `${baseUrl}/slow.gguf`, destination });
    expect(result.resumed).toBe(true);
    expect(hits.at(-1)?.range).toBe(`bytes=${kept}-`);
    expect((await readFile(destination)).equals(fixture)).toBe(true);
  });

  it("starts over when the server ignores the Range request", async () => {
    const destination = join(await freshDir(), "m.gguf");
    await writeFile(`${destination}.part`, Buffer.alloc(5_000, 0x41));
    const result = await pullModel({ url: `${baseUrl}/no-range.gguf`, destination });
    expect(result).toMatchObject({ bytes: fixture.length, resumed: false });
    expect(hits).toEqual([{ path: "/no-range.gguf", range: "bytes=5000-" }]);
    expect((await readFile(destination)).equals(fixture)).toBe(true);
  });

  it("finishes a complete .part file when the server answers 416", async () => {
    const destination = join(await freshDir(), "m.gguf");
    await writeFile(`${destination}.part`, fixture);
    const result = await pullModel({ url: `${baseUrl}/model.gguf`, destination });
    expect(result).toMatchObject({ bytes: fixture.length, resumed: true });
    expect(hits).toEqual([{ path: "/model.gguf", range: `bytes=${fixture.length}-` }]);
    expect((await readFile(destination)).equals(fixture)).toBe(true);
  });

  it("follows redirects to signed URLs", async () => {
    const destination = join(await freshDir(), "m.gguf");
    const result = await pullModel({ url: `${baseUrl}/redirect`, destination });
    expect(result.bytes).toBe(fixture.length);
    expect(hits.map((h) => h.path)).toEqual(["/redirect", "/model.gguf"]);
  });

  it("rejects a body that is not GGUF and leaves no file behind", async () => {
    const dir = await freshDir();
    const destination = join(dir, "m.gguf");
    const pull = pullModel({ url: `${baseUrl}/not-gguf?token=secret`, destination });
    await expect(pull).rejects.toBeInstanceOf(ModelPullIntegrityError);
    await expect(pull).rejects.toMatchObject({
      code: "MODEL_PULL_NOT_GGUF",
      url: `${baseUrl}/not-gguf`,
      file: destination,
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it("reports HTTP errors with the status and the URL without its query string", async () => {
    const destination = join(await freshDir(), "m.gguf");
    const pull = pullModel({ url: `${baseUrl}/missing.gguf?token=secret`, destination });
    await expect(pull).rejects.toBeInstanceOf(ModelPullHttpError);
    await expect(pull).rejects.toMatchObject({ code: "MODEL_PULL_HTTP", status: 404 });
    const message = await pull.catch((err: Error) => err.message);
    expect(message).toContain(`${baseUrl}/missing.gguf`);
    expect(message).toContain(destination);
    expect(message).not.toContain("secret");
    expect(await exists(destination)).toBe(false);
  });

  it("does not download a model that is already present", async () => {
    const destination = join(await freshDir(), "m.gguf");
    await pullModel({ url: `${baseUrl}/model.gguf`, destination });
    expect(hits).toHaveLength(1);
    const again = await pullModel({ url: `${baseUrl}/model.gguf`, destination });
    expect(again).toEqual({ path: destination, bytes: fixture.length, resumed: false, alreadyPresent: true });
    expect(hits).toHaveLength(1);
  });
});
