/**
 * Resumable download of a GGUF model file over HTTP(S).
 *
 * Bytes go to `<destination>.part`; a later call resumes it with a Range request. The file is
 * renamed to `destination` only once it starts with the GGUF magic and has the size the server
 * announced, so `destination` is either absent or complete.
 */
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";

const GGUF_MAGIC = Buffer.from("GGUF", "ascii");

export interface PullProgress {
  /** Bytes in the file so far, including bytes kept from an earlier interrupted download. */
  received: number;
  /** Full file size when the server announced it. */
  total: number | null;
}

export interface PullModelOptions {
  url: string;
  destination: string;
  signal?: AbortSignal;
  onProgress?: (p: PullProgress) => void;
  fetchImpl?: typeof fetch;
}

export interface PullModelResult {
  /** Absolute path of the downloaded (or already present) model. */
  path: string;
  bytes: number;
  /** True when an earlier partial download was continued. */
  resumed: boolean;
  /** True when `destination` already held a GGUF file and nothing was downloaded. */
  alreadyPresent: boolean;
}

export type ModelPullErrorCode = "MODEL_PULL_HTTP" | "MODEL_PULL_NETWORK" | "MODEL_PULL_ABORTED" | "MODEL_PULL_NOT_GGUF" | "MODEL_PULL_SIZE_MISMATCH";

export class ModelPullError extends Error {
  override name = "ModelPullError";
  constructor(
    readonly code: ModelPullErrorCode,
    message: string,
    /** The URL without query string or credentials. */
    readonly url: string,
    readonly file: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The server answered with an unexpected status (e.g. 404, 401 for a gated model, 500). */
export class ModelPullHttpError extends ModelPullError {
  override name = "ModelPullHttpError";
  constructor(
    readonly status: number,
    url: string,
    file: string,
  ) {
    super("MODEL_PULL_HTTP", `HTTP ${status} from ${url} (downloading to ${file})`, url, file);
  }
}

/** The connection failed or broke off; the .part file is kept and the next call resumes it. */
export class ModelPullNetworkError extends ModelPullError {
  override name = "ModelPullNetworkError";
  constructor(message: string, url: string, file: string, options?: ErrorOptions) {
    super("MODEL_PULL_NETWORK", message, url, file, options);
  }
}

/** The caller's signal aborted the download; the .part file is kept for a later resume. */
export class ModelPullAbortedError extends ModelPullError {
  override name = "ModelPullAbortedError";
  constructor(url: string, file: string, options?: ErrorOptions) {
    super("MODEL_PULL_ABORTED", `download of ${url} aborted; partial file kept at ${file}`, url, file, options);
  }
}

/** The bytes received are not a GGUF model or not the announced size. */
export class ModelPullIntegrityError extends ModelPullError {
  override name = "ModelPullIntegrityError";
  constructor(code: "MODEL_PULL_NOT_GGUF" | "MODEL_PULL_SIZE_MISMATCH", message: string, url: string, file: string) {
    super(code, message, url, file);
  }
}

/** Downloads `url` to `destination` unless a GGUF file is already there; resumes `.part` files. */
export async function pullModel(opts: PullModelOptions): Promise<PullModelResult> {
  const destination = resolve(opts.destination);
  const partPath = `${destination}.part`;
  const url = displayUrl(opts.url);
  const existing = await ggufSize(destination);
  if (existing !== null) return { path: destination, bytes: existing, resumed: false, alreadyPresent: true };

  const ctx: DownloadContext = {
    rawUrl: opts.url,
    url,
    destination,
    partPath,
    fetch: opts.fetchImpl ?? fetch,
    signal: opts.signal,
    onProgress: opts.onProgress,
  };
  let outcome = await downloadOnce(ctx, (await fileSize(partPath)) ?? 0);
  if (outcome === "restart") {
    await rm(partPath, { force: true });
    outcome = await downloadOnce(ctx, 0);
  }
  if (outcome === "restart") throw new ModelPullNetworkError(`server rejected resuming ${url}`, url, partPath);

  const bytes = (await fileSize(partPath)) ?? 0;
  if (outcome.total !== null && bytes !== outcome.total) {
    // Too short: keep it, the next call resumes. Too long: it can never become valid.
    const tooLong = bytes > outcome.total;
    if (tooLong) await rm(partPath, { force: true });
    throw new ModelPullIntegrityError(
      "MODEL_PULL_SIZE_MISMATCH",
      `${partPath} has ${bytes} bytes but ${url} announced ${outcome.total}` + (tooLong ? "; the partial file was deleted" : "; run again to resume"),
      url,
      partPath,
    );
  }
  if ((await ggufSize(partPath)) === null) {
    await rm(partPath, { force: true });
    throw notGguf(url, destination);
  }
  await rename(partPath, destination);
  return { path: destination, bytes, resumed: outcome.resumed, alreadyPresent: false };
}

interface DownloadContext {
  /** The URL to fetch, query string included (signed URLs need it). */
  rawUrl: string;
  /** The URL for messages. */
  url: string;
  destination: string;
  partPath: string;
  fetch: typeof fetch;
  signal: AbortSignal | undefined;
  onProgress: ((p: PullProgress) => void) | undefined;
}

type DownloadOutcome = { total: number | null; resumed: boolean } | "restart";

class NotGgufBody extends Error {}

async function downloadOnce(ctx: DownloadContext, offset: number): Promise<DownloadOutcome> {
  const { url, partPath, signal } = ctx;
  const headers: Record<string, string> = { "accept-encoding": "identity" };
  if (offset > 0) headers.range = `bytes=${offset}-`;

  let res: Response;
  try {
    res = await ctx.fetch(ctx.rawUrl, { headers, signal: signal ?? null, redirect: "follow" });
  } catch (err) {
    throw transportError(err, ctx, `could not reach ${url}`, false);
  }

  const range = parseContentRange(res.headers.get("content-range"));
  let start = 0;
  let total: number | null;
  if (res.status === 206 && range && range.start === offset) {
    start = offset;
    total = range.total;
  } else if (res.status === 206 || (res.status === 416 && offset > 0)) {
    await res.body?.cancel().catch(() => undefined);
    // 416 on a resume: the .part may already be complete (a crash right before the rename).
    if (res.status === 416 && range?.total === offset) return { total: offset, resumed: true };
    return "restart";
  } else if (res.ok) {
    const encoded = (res.headers.get("content-encoding") ?? "identity") !== "identity";
    const length = Number(res.headers.get("content-length"));
    total = !encoded && Number.isSafeInteger(length) && length > 0 ? length : null;
  } else {
    await res.body?.cancel().catch(() => undefined);
    throw new ModelPullHttpError(res.status, url, ctx.destination);
  }
  if (!res.body) throw new ModelPullNetworkError(`empty response body from ${url}`, url, partPath);
  await mkdir(dirname(partPath), { recursive: true });

  let received = start;
  let head = Buffer.alloc(0);
  ctx.onProgress?.({ received, total });
  const count = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      if (start === 0 && head.length < GGUF_MAGIC.length) {
        head = Buffer.concat([head, chunk]).subarray(0, GGUF_MAGIC.length);
        if (!GGUF_MAGIC.subarray(0, head.length).equals(head)) throw new NotGgufBody();
      }
      received += chunk.length;
      yield chunk;
      ctx.onProgress?.({ received, total });
    }
  };
  // Each chunk is written before the next is read, and the file is closed however the loop ends:
  // an abort or a broken connection keeps every byte counted so far for the resume (a write
  // stream destroyed by the abort would drop the chunks it still buffered).
  const out = await open(partPath, start > 0 ? "a" : "w");
  try {
    const body = Readable.fromWeb(res.body as unknown as NodeReadableStream<Uint8Array>);
    for await (const chunk of count(body)) await out.write(chunk);
  } catch (err) {
    if (err instanceof NotGgufBody) {
      await rm(partPath, { force: true });
      throw notGguf(url, ctx.destination);
    }
    if (isFileSystemError(err) && !signal?.aborted) throw err; // e.g. ENOSPC: not a transport problem
    throw transportError(err, ctx, `download of ${url} broke off after ${received} bytes`, true);
  } finally {
    await out.close();
  }
  return { total, resumed: start > 0 };
}

function transportError(err: unknown, ctx: DownloadContext, what: string, resumable: boolean): ModelPullError {
  if (ctx.signal?.aborted) return new ModelPullAbortedError(ctx.url, ctx.partPath, { cause: err });
  const reason = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
  const hint = resumable ? `; run again to resume from ${ctx.partPath}` : "";
  return new ModelPullNetworkError(`${what} (${reason})${hint}`, ctx.url, ctx.partPath, { cause: err });
}

function isFileSystemError(err: unknown): boolean {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).path === "string";
}

function notGguf(url: string, file: string): ModelPullIntegrityError {
  return new ModelPullIntegrityError(
    "MODEL_PULL_NOT_GGUF",
    `${url} did not return a GGUF model (no "GGUF" magic); nothing was saved to ${file}`,
    url,
    file,
  );
}

/** "bytes 100-199/200" -> { start: 100, total: 200 }; "bytes *\/200" -> { start: null, total: 200 }. */
function parseContentRange(value: string | null): { start: number | null; total: number | null } | null {
  const m = value ? /^bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)$/i.exec(value.trim()) : null;
  if (!m) return null;
  return {
    start: m[1] !== undefined ? Number(m[1]) : null,
    total: m[2] !== undefined && m[2] !== "*" ? Number(m[2]) : null,
  };
}

/** The URL as shown in messages: no credentials, query string or fragment (signed URLs). */
function displayUrl(raw: string): string {
  try {
    const u = new URL(raw);
    u.username = "";
    u.password = "";
    u.search = "";
    u.hash = "";
    return u.toString();
  } catch {
    return raw.replace(/[?#].*$/, "");
  }
}

async function fileSize(path: string): Promise<number | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/** Size of `path` if it is a file starting with the GGUF magic, else null. */
async function ggufSize(path: string): Promise<number | null> {
  const size = await fileSize(path);
  if (size === null || size < GGUF_MAGIC.length) return null;
  const fh = await open(path, "r");
  try {
    const head = Buffer.alloc(GGUF_MAGIC.length);
    await fh.read(head, 0, head.length, 0);
    return head.equals(GGUF_MAGIC) ? size : null;
  } finally {
    await fh.close();
  }
}
