import { readFileSync } from "node:fs";
import type { FastifyInstance, FastifyReply } from "fastify";

const PAGES = new URL("./pages/", import.meta.url);
const CHAT_PAGE = readFileSync(new URL("chat.html", PAGES), "utf8");
const ASSETS: Record<string, { type: string; body: string }> = {
  "chat.js": { type: "text/javascript; charset=utf-8", body: readFileSync(new URL("chat.js", PAGES), "utf8") },
  "chat.css": { type: "text/css; charset=utf-8", body: readFileSync(new URL("chat.css", PAGES), "utf8") },
};

/**
 * Script and style only from this origin's own files, no inline code; the page talks to the web
 * chat API on the same origin only; `frameAncestors` says which sites may embed it ('none' by default).
 */
export function chatPageCsp(frameAncestors: string): string {
  return `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors ${frameAncestors}`;
}

function secured(reply: FastifyReply, csp: string): FastifyReply {
  return reply.header("content-security-policy", csp).header("x-content-type-options", "nosniff").header("referrer-policy", "no-referrer");
}

/** GET /chat/:channelKey, the visitor's chat page, and its two files. */
export function registerChatPageRoutes(app: FastifyInstance, options: { frameAncestors: string }): void {
  const csp = chatPageCsp(options.frameAncestors);
  app.get("/chat/:channelKey", async (_request, reply) => secured(reply, csp).header("content-type", "text/html; charset=utf-8").header("cache-control", "no-cache").send(CHAT_PAGE));
  app.get("/chat/assets/:file", async (request, reply) => {
    const asset = Object.hasOwn(ASSETS, (request.params as { file: string }).file) ? ASSETS[(request.params as { file: string }).file] : undefined;
    if (!asset) return reply.status(404).send({ error: { code: "NOT_FOUND", message: "no such file" } });
    return secured(reply, csp).header("content-type", asset.type).header("cache-control", "no-cache").send(asset.body);
  });
}
