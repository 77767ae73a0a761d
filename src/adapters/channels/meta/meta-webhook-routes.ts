import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { acceptWebhookBatch, type BatchOutcome } from "./accept-webhook-batch.js";
import { verifyMetaSignature } from "./meta-signature.js";
import { answerVerifyChallenge } from "./verify-challenge.js";
import { countSkipped, type MetaStatusUpdate, type WebhookBatch } from "./webhook-batch.js";
import { parseInstagramWebhook } from "../instagram/instagram-webhook-mapper.js";
import { parseCloudWebhook } from "../whatsapp-cloud/cloud-webhook-mapper.js";
import { UnavailableError } from "../../../domain/errors.js";
import type { ChannelKind, InboundMessage } from "../../../domain/inbound-message.js";
import type { InboundStore } from "../../../ports/inbound-store.js";
import type { Logger } from "../../../ports/logger.js";

/** One Meta app's webhook secrets (one app serves many channels). */
export interface MetaAppSecrets {
  readonly appSecret: string;
  readonly verifyToken: string;
}

export interface MetaWebhookRouteDeps {
  readonly accept: (message: InboundMessage) => Promise<unknown>;
  readonly channels: Pick<InboundStore, "findChannel">;
  /** WhatsApp delivery receipts (sent/delivered/read/failed) for our replies. */
  readonly onStatus: (updates: readonly MetaStatusUpdate[]) => Promise<void>;
  readonly logger: Logger;
  readonly maxMessageChars: number;
  /** A path whose secrets are not configured is not served. */
  readonly whatsapp?: MetaAppSecrets;
  readonly instagram?: MetaAppSecrets;
  /** Largest webhook body accepted; default 1 MiB. */
  readonly bodyLimitBytes?: number;
}

const HOOKS: ReadonlyArray<{
  path: string;
  key: "whatsapp" | "instagram";
  kind: ChannelKind;
  parse: (body: unknown, maxChars: number, receivedAt: Date) => WebhookBatch;
}> = [
  { path: "/webhooks/whatsapp", key: "whatsapp", kind: "whatsapp_cloud", parse: parseCloudWebhook },
  { path: "/webhooks/instagram", key: "instagram", kind: "instagram", parse: parseInstagramWebhook },
];

/**
 * Meta webhooks: the GET subscription handshake and signed POST deliveries. The signature covers
 * the raw bytes, so this scope parses JSON bodies itself (the rest of the app keeps Fastify's parser).
 */
export function registerMetaWebhookRoutes(app: FastifyInstance, deps: MetaWebhookRouteDeps): void {
  const bodyLimit = deps.bodyLimitBytes ?? 1024 * 1024;
  const log = deps.logger.child({ component: "meta-webhooks" });
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("application/json", { parseAs: "buffer", bodyLimit }, (_request, body, done) => done(null, body));
    for (const hook of HOOKS) {
      const secrets = deps[hook.key];
      if (!secrets) continue;
      scope.get(hook.path, async (request, reply) => {
        const answer = answerVerifyChallenge(request.query, secrets.verifyToken);
        if (answer.status === 200) {
          return reply
            .status(200)
            .header("content-type", "text/plain; charset=utf-8")
            .header("x-content-type-options", "nosniff")
            .send(answer.challenge);
        }
        log.warn({ path: hook.path, status: answer.status }, "webhook verification refused");
        return problem(reply, answer.status, answer.status === 403 ? "VERIFY_TOKEN_MISMATCH" : "CHALLENGE_MISSING", "verification refused");
      });
      scope.post(hook.path, { bodyLimit }, (request, reply) => receive(request, reply, hook, secrets, deps, log));
    }
  });
}

async function receive(
  request: FastifyRequest,
  reply: FastifyReply,
  hook: (typeof HOOKS)[number],
  secrets: MetaAppSecrets,
  deps: MetaWebhookRouteDeps,
  log: Logger,
): Promise<FastifyReply> {
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  if (!verifyMetaSignature(raw, request.headers["x-hub-signature-256"], secrets.appSecret)) {
    log.warn({ path: hook.path, bytes: raw.length }, "webhook signature missing or wrong");
    return problem(reply, 401, "BAD_SIGNATURE", "X-Hub-Signature-256 is missing or does not match the body");
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    return problem(reply, 400, "INVALID_JSON", "the body is not valid JSON");
  }
  const batch = hook.parse(body, deps.maxMessageChars, new Date());
  let outcome: BatchOutcome;
  try {
    outcome = await acceptWebhookBatch({ kind: hook.kind, accept: deps.accept, channels: deps.channels, logger: log }, batch.messages);
    if (batch.statuses.length > 0)
      await deps.onStatus(batch.statuses).catch((error: unknown) => log.warn({ err: error }, "status updates not applied"));
  } catch (error) {
    const code = error instanceof UnavailableError ? error.code : "PROCESSING_FAILED";
    if (!(error instanceof UnavailableError)) log.error({ err: error, channel: hook.kind }, "webhook processing failed");
    // Meta redelivers on non-2xx; the stored messages are deduplicated then.
    return problem(reply.header("retry-after", "5"), 503, code, "could not store the messages now; retry later");
  }
  const summary = {
    channel: hook.kind,
    ...outcome,
    statuses: batch.statuses.length,
    skipped: countSkipped(batch.skipped),
    unusable: countSkipped(batch.unusable),
    adjusted: countSkipped(batch.adjusted),
  };
  // A customer's message that was not stored must not be answered 2xx: Meta would never send it again.
  if (outcome.failed > 0) {
    log.error(summary, "webhook received; messages could not be stored");
    return problem(reply, 500, "STORE_FAILED", `${outcome.failed} message(s) could not be stored; the others were (a redelivery stores each once)`);
  }
  // A message without an id, sender, account or text can never be stored, so a redelivery cannot
  // help: answering non-2xx would only make Meta resend the whole delivery for days, and a webhook
  // that keeps failing gets disabled for every business. It is logged as an error and counted.
  if (batch.unusable.length > 0) log.error(summary, "webhook received; messages without an id, sender, account or text could not be stored");
  else log.info(summary, "webhook received");
  return reply.status(200).send({ received: outcome.accepted, ...(batch.unusable.length > 0 ? { unusable: batch.unusable.length } : {}) });
}

function problem(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.status(status).send({ error: { code, message } });
}
