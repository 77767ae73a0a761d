import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { PlatformRejectedError, PlatformTransportError, SendOutcomeUnknownError } from "../../../ports/channel-adapter.js";
import { parseRetryAfter } from "../../../domain/retry-after.js";
import { OutsideCustomerWindowError } from "./customer-window.js";
import { fetchFailureCode, requestNeverWritten } from "./fetch-failure.js";
import { graphErrorOf, isRetryableGraphError, isThrottlingError, isWindowClosedError, type GraphErrorInfo } from "./graph-errors.js";

/** A Graph API answer: a JSON object (anything else reads as an empty one); callers parse the fields they need. */
const GraphResponse = z.looseObject({}).catch(() => ({}));
export type GraphResponse = z.infer<typeof GraphResponse>;

// Passed on as Meta asked (the outbox bounds it further); a day bounds only what is not a wait but a mistake.
const RETRY_AFTER_MAX_MS = 24 * 3_600_000;

export interface GraphClientOptions {
  /** e.g. https://graph.facebook.com (Instagram Login apps: https://graph.instagram.com). */
  readonly baseUrl: string;
  /** e.g. v21.0 */
  readonly version: string;
  /** Tries per call, the first included. */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  /** Longest wait between tries of a connection that never opened. */
  readonly maxDelayMs?: number;
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** 0..1, for backoff jitter; tests pass a constant. */
  readonly random?: () => number;
  readonly fetch?: typeof fetch;
}

/** The Graph API said no (4xx): resending the same request will not help. */
export class GraphRejectedError extends PlatformRejectedError {
  constructor(
    readonly status: number,
    readonly graph: GraphErrorInfo,
  ) {
    super(
      `Graph API ${status}${graph.code !== undefined ? ` (code ${graph.code}${graph.subcode !== undefined ? `/${graph.subcode}` : ""})` : ""}: ${graph.message}`,
    );
    this.name = "GraphRejectedError";
  }
}

/**
 * Not processed: unreachable before the request left (after all tries), or throttled (429, Meta's
 * rate-limit codes; `retryAfterMs` is Meta's Retry-After when it sent one). Safe to send again later.
 */
export class GraphTransportError extends PlatformTransportError {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.name = "GraphTransportError";
  }
}

/**
 * The request left, but its outcome is unknown: a timeout or dropped connection after it was
 * written, or a 5xx (Meta may have sent the message before failing). Sending again could deliver twice.
 */
export class GraphOutcomeUnknownError extends SendOutcomeUnknownError {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "GraphOutcomeUnknownError";
  }
}

/**
 * A small JSON client for Graph API POSTs. It tries again (bounded exponential backoff) only a
 * connection that never opened. A throttled call (429, a throttling code, a 4xx flagged transient)
 * is not waited out here, inside the caller's job: it fails at once as a GraphTransportError
 * carrying Meta's Retry-After, and the outbox sends it again that much later (or after its own
 * backoff when Meta did not say), leaving the worker free meanwhile. Message sends are not idempotent, so an ambiguous failure is
 * never repeated.
 */
export class GraphClient {
  private readonly o: Required<Omit<GraphClientOptions, "fetch">> & { fetch: typeof fetch };

  constructor(options: GraphClientOptions) {
    this.o = {
      maxAttempts: 4,
      baseDelayMs: 500,
      maxDelayMs: 20_000,
      timeoutMs: 15_000,
      sleep: (ms) => sleep(ms),
      random: Math.random,
      ...options,
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
      fetch: options.fetch ?? globalThis.fetch,
    };
  }

  /** POSTs JSON to `/{version}/{path}`; path segments must already be URL-encoded. */
  async post(path: string, accessToken: string, body: object, options: { maxAttempts?: number } = {}): Promise<GraphResponse> {
    const url = `${this.o.baseUrl}/${this.o.version}/${path}`;
    const attempts = Math.max(1, options.maxAttempts ?? this.o.maxAttempts);
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.o.fetch(url, {
          method: "POST",
          headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.o.timeoutMs),
        });
      } catch (error) {
        const code = fetchFailureCode(error) ?? (error as Error)?.name ?? "Error";
        if (!requestNeverWritten(error))
          throw new GraphOutcomeUnknownError(`Graph API call interrupted after the request was sent (${code})`, undefined, { cause: error });
        const failure = new GraphTransportError(`Graph API unreachable (${code})`, undefined, { cause: error });
        if (attempt >= attempts) throw failure;
        await this.o.sleep(this.backoff(attempt));
        continue;
      }
      const payload = await readJson(response);
      if (response.ok) return GraphResponse.parse(payload);
      const graph = graphErrorOf(payload);
      const summary = `Graph API ${response.status}${graph.code !== undefined ? ` (code ${graph.code})` : ""}: ${graph.message}`;
      if (response.status === 429 || isThrottlingError(graph) || (response.status < 500 && isRetryableGraphError(graph))) {
        const asked = parseRetryAfter(response.headers.get("retry-after"), RETRY_AFTER_MAX_MS);
        throw new GraphTransportError(summary, response.status, asked === undefined ? undefined : { retryAfterMs: asked });
      }
      if (response.status >= 500) throw new GraphOutcomeUnknownError(summary, response.status);
      if (isWindowClosedError(graph)) {
        throw new OutsideCustomerWindowError(`the platform refused a free-form message outside the customer service window (code ${graph.code})`, {
          cause: new GraphRejectedError(response.status, graph),
        });
      }
      throw new GraphRejectedError(response.status, graph);
    }
  }

  private backoff(attempt: number): number {
    const full = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(full / 2 + (full / 2) * this.o.random());
  }
}

async function readJson(response: Response): Promise<unknown> {
  try {
    const text = await response.text();
    return text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
