import { readFileSync } from "node:fs";
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import type { ChatProfileReader } from "../../ports/chat-profile-reader.js";

const PAGES = new URL("./pages/", import.meta.url);
const CHAT_PAGE = readFileSync(new URL("chat.html", PAGES), "utf8");
const WIDGET = readFileSync(new URL("widget.js", PAGES), "utf8");
const ASSETS: Record<string, { type: string; body: string }> = {
  "chat.js": { type: "text/javascript; charset=utf-8", body: readFileSync(new URL("chat.js", PAGES), "utf8") },
  "chat-view.js": { type: "text/javascript; charset=utf-8", body: readFileSync(new URL("chat-view.js", PAGES), "utf8") },
  "chat.css": { type: "text/css; charset=utf-8", body: readFileSync(new URL("chat.css", PAGES), "utf8") },
};

const keyParams = z.object({ channelKey: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, "letters, digits, _ and - (1-100)") });

/**
 * Script and style only from this origin's own files, no inline code; the page talks to the web
 * chat API on the same origin only; the channel's logo is the one image from elsewhere (https, its
 * origin only). `frameAncestors` says which sites may embed it ('none' by default).
 */
export function chatPageCsp(frameAncestors: string, logoOrigin?: string): string {
  const img = logoOrigin ? `'self' ${logoOrigin}` : "'self'";
  return `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src ${img}; base-uri 'none'; form-action 'none'; frame-ancestors ${frameAncestors}`;
}

/** The server-wide frame-ancestors (WEBCHAT_FRAME_ANCESTORS) plus the sites the owner listed on the channel. */
export function frameAncestorsFor(serverWide: string, sites: readonly string[]): string {
  if (sites.length === 0) return serverWide;
  const base = serverWide.trim() === "'none'" ? [] : [serverWide.trim()];
  return [...base, ...sites].join(" ");
}

function secured(reply: FastifyReply, csp: string): FastifyReply {
  return reply.header("content-security-policy", csp).header("x-content-type-options", "nosniff").header("referrer-policy", "no-referrer");
}

/**
 * GET /chat/:channelKey, the visitor's chat page, and its files (the business, agent and look it
 * shows come from /api/webchat/:channelKey/profile); GET /widget.js, the script a business puts
 * on its own site to open the chat in a bubble.
 */
export function registerChatPageRoutes(app: FastifyInstance, options: { frameAncestors: string; profiles: ChatProfileReader }): void {
  const csp = chatPageCsp(options.frameAncestors);
  app.get("/chat/:channelKey", async (request, reply) => {
    const parsed = keyParams.safeParse(request.params);
    // An unknown key still gets the page: it says so in words.
    const profile = parsed.success ? await options.profiles.chatProfile(parsed.data.channelKey).catch(() => null) : null;
    const pageCsp = profile
      ? chatPageCsp(frameAncestorsFor(options.frameAncestors, profile.sites), profile.logoUrl ? new URL(profile.logoUrl).origin : undefined)
      : csp;
    return secured(reply, pageCsp).header("content-type", "text/html; charset=utf-8").header("cache-control", "no-cache").send(CHAT_PAGE);
  });
  app.get("/chat/assets/:file", async (request, reply) => {
    const asset = Object.hasOwn(ASSETS, (request.params as { file: string }).file) ? ASSETS[(request.params as { file: string }).file] : undefined;
    if (!asset) return reply.status(404).send({ error: { code: "NOT_FOUND", message: "no such file" } });
    return secured(reply, csp).header("content-type", asset.type).header("cache-control", "no-cache").send(asset.body);
  });
  // Loaded by the business's own pages, so it is served for any site; it loads nothing but the chat page.
  app.get("/widget.js", async (_request, reply) =>
    reply
      .header("content-type", "text/javascript; charset=utf-8")
      .header("x-content-type-options", "nosniff")
      .header("cache-control", "no-cache")
      .header("cross-origin-resource-policy", "cross-origin")
      .send(WIDGET),
  );
}
