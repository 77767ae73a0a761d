import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { eraseContacts, subjectHash, type ErasureDeps } from "../../app/admin/erase-contacts.js";
import { parseSignedRequest } from "./meta-signed-request.js";
import type { ChannelKind } from "../../domain/inbound-message.js";
import type { ErasureRecord } from "../../ports/erasure-store.js";
import type { Pseudonyms } from "../../domain/secrets/pseudonyms.js";

/** One Meta app: its secret signs the callback; its channels are where the person's data lives. */
export interface MetaDataDeletionApp {
  readonly appSecret: string;
  readonly kinds: readonly ChannelKind[];
}

export interface MetaDataDeletionRouteDeps {
  readonly apps: readonly MetaDataDeletionApp[];
  readonly erasure: ErasureDeps;
  /** PUBLIC_BASE_URL; unset: the status link is built from the request's (forwarded) protocol and host. */
  readonly publicBaseUrl?: string | undefined;
  /** A request whose issued_at is older than this is refused; one seen again within it gets its first answer. */
  readonly maxAgeMs: number;
  /** Where answered requests are remembered (by a hash of the signed request) for maxAgeMs. */
  readonly answered: { recall(key: string): Promise<string | null>; remember(key: string, answer: string, ttlMs: number): Promise<void> };
  /** The erasure record's subject hash (HMAC under PSEUDONYM_KEY, or none). */
  readonly pseudonyms: Pick<Pseudonyms, "durable">;
  readonly now?: () => number;
}

const STATUS_PATH = "/meta/data-deletion/status";
const CODE = /^[A-Za-z0-9]{1,64}$/;
const FORM_LIMIT_BYTES = 16 * 1024;
/** issued_at may be this far ahead of our clock. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Meta's data-deletion callback: POST /meta/data-deletion (form field signed_request) erases every
 * contact with that user id on the app's channels and answers {url, confirmation_code};
 * GET /meta/data-deletion/status?code= shows the request's status, with no personal data.
 */
export function registerMetaDataDeletionRoutes(app: FastifyInstance, deps: MetaDataDeletionRouteDeps): void {
  const log = deps.erasure.logger.child({ component: "meta-data-deletion" });
  const secrets = deps.apps.map((a) => a.appSecret);
  void app.register(async (scope) => {
    scope.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: FORM_LIMIT_BYTES }, (_request, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    scope.post("/meta/data-deletion", { bodyLimit: FORM_LIMIT_BYTES }, async (request, reply) => {
      const field = (request.body as Record<string, unknown> | undefined)?.signed_request;
      const parsed = parseSignedRequest(field, secrets);
      if (!parsed.ok) {
        log.warn({ code: parsed.code }, "data-deletion callback refused");
        return reply.status(parsed.status).send({ error: { code: parsed.code, message: parsed.message } });
      }
      // A signed request is valid for maxAgeMs from issued_at: without the check, one captured request erases on every replay, forever.
      const now = deps.now?.() ?? Date.now();
      const issuedAtMs = parsed.payload.issuedAt === undefined ? undefined : parsed.payload.issuedAt * 1000;
      if (issuedAtMs === undefined) {
        log.warn({ code: "ISSUED_AT_MISSING" }, "data-deletion callback refused");
        return reply.status(400).send({ error: { code: "ISSUED_AT_MISSING", message: "the signed request has no issued_at" } });
      }
      if (issuedAtMs < now - deps.maxAgeMs || issuedAtMs > now + CLOCK_SKEW_MS) {
        log.warn({ code: "SIGNED_REQUEST_EXPIRED" }, "data-deletion callback refused");
        return reply.status(400).send({
          error: {
            code: "SIGNED_REQUEST_EXPIRED",
            message: "the signed request was issued too long ago (or in the future); ask Meta to send it again",
          },
        });
      }
      // Within that time, the same request again gets the same confirmation code, and nothing is done twice.
      const replayKey = `meta-data-deletion:${createHash("sha256")
        .update(field as string)
        .digest("hex")}`;
      let confirmationCode = await deps.answered.recall(replayKey).catch(() => null);
      if (!confirmationCode) {
        const kinds = [...new Set(parsed.signedBy.flatMap((i) => deps.apps[i]!.kinds))].sort();
        const contacts = await deps.erasure.store.findContactsByPlatformUser(kinds, parsed.payload.userId);
        const erased = await eraseContacts(deps.erasure, {
          source: "meta",
          subjectHash: subjectHash(deps.pseudonyms, kinds.join("+"), parsed.payload.userId),
          contactIds: contacts.map((c) => c.id),
        });
        confirmationCode = erased.confirmationCode;
        await deps.answered.remember(replayKey, confirmationCode, issuedAtMs + deps.maxAgeMs - now + CLOCK_SKEW_MS).catch(() => undefined);
      }
      const url = `${baseUrl(request, deps.publicBaseUrl)}${STATUS_PATH}?code=${confirmationCode}`;
      return reply.header("cache-control", "no-store").send({ url, confirmation_code: confirmationCode });
    });
    scope.get(STATUS_PATH, async (request, reply) => {
      const code = (request.query as Record<string, unknown>).code;
      if (typeof code !== "string" || !CODE.test(code)) return page(reply, 400, "Unknown request", "This link has no valid confirmation code.");
      const found = await deps.erasure.store.find(code);
      if ((request.headers.accept ?? "").includes("application/json")) {
        if (!found) return reply.status(404).send({ error: { code: "ERASURE_NOT_FOUND", message: "no data deletion request with this code" } });
        return reply.header("cache-control", "no-store").send(statusJson(found));
      }
      if (!found) return page(reply, 404, "Unknown request", "There is no data deletion request with this confirmation code.");
      return page(reply, 200, `Data deletion request ${found.confirmationCode}`, describe(found));
    });
  });
}

function baseUrl(request: FastifyRequest, configured: string | undefined): string {
  return (configured ?? `${request.protocol}://${request.host}`).replace(/\/+$/, "");
}

function statusJson(r: ErasureRecord) {
  return {
    confirmation_code: r.confirmationCode,
    status: r.status,
    erased_messages: r.erasedMessages,
    requested_at: r.createdAt.toISOString(),
    completed_at: r.completedAt?.toISOString() ?? null,
  };
}

function describe(r: ErasureRecord): string {
  const requested = `Requested on ${r.createdAt.toUTCString()}.`;
  if (r.status === "pending") return `${requested} The deletion is in progress.`;
  if (r.status === "failed")
    return `${requested} The deletion could not be done because a service was unavailable. Please send the request again from your account settings.`;
  const what =
    r.erasedMessages === 0
      ? "We held no messages from you, so there was nothing to delete."
      : `Your contact details, your conversations and their ${r.erasedMessages} message${r.erasedMessages === 1 ? "" : "s"} were deleted.`;
  return `${requested} Completed on ${r.completedAt?.toUTCString() ?? "the same day"}. ${what} Only this confirmation code and the date are kept.`;
}

function page(reply: FastifyReply, status: number, title: string, text: string): FastifyReply {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escape(title)}</title></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem"><h1>${escape(title)}</h1><p>${escape(text)}</p></body></html>`;
  return reply
    .status(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .header("x-content-type-options", "nosniff")
    .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'")
    .send(html);
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
