import { readdirSync, readFileSync } from "node:fs";
import { extname } from "node:path";
import type { FastifyInstance, FastifyReply } from "fastify";
import { appIconPng } from "./app-icon.js";

/** Where the console's static files live: plain HTML, CSS and ES modules, no build step. */
const ASSETS_DIR = new URL("./assets/", import.meta.url);

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".webmanifest": "application/manifest+json",
};

/**
 * Scripts and styles only from files of this origin (no inline code, no CDN); the page talks to
 * /api/admin and /api/webchat on the same origin only. form-action 'none': the forms are handled
 * in script, so a form can never navigate (and put an API key in a URL) even if a script fails.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; manifest-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

/** The files under assets/, read once: only these names are ever served (no path from the URL reaches the disk). */
function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(ASSETS_DIR)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type && /^[a-z0-9-]+\.[a-z]+$/.test(name)) assets.set(name, { type, body: readFileSync(new URL(name, ASSETS_DIR)) });
  }
  if (!assets.has("index.html")) throw new Error("console assets: index.html is missing");
  // The app icons (manifest, notifications) are drawn at start rather than kept as binary files.
  for (const size of [192, 512]) assets.set(`icon-${size}.png`, { type: "image/png", body: appIconPng(size) });
  return assets;
}

/**
 * The admin web console under /console: static pages that call the admin API signed in by the
 * session cookie the typed API key was exchanged for. The pages hold no data, so they are public;
 * every API call still needs the sign-in. sw.js (alerts) is served from /console/, its scope.
 */
export function registerConsoleRoutes(app: FastifyInstance): void {
  const assets = loadAssets();
  const send = (reply: FastifyReply, asset: Asset) =>
    reply
      .header("content-type", asset.type)
      .header("content-security-policy", CONSOLE_CSP)
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "no-referrer")
      .header("cache-control", "no-cache")
      .send(asset.body);
  const index = assets.get("index.html")!;
  // The service worker's scope is /console/: a page at /console would be outside it (no alerts there).
  app.get("/console", async (_request, reply) => reply.redirect("/console/", 301));
  app.get("/console/", async (_request, reply) => send(reply, index));
  app.get<{ Params: { asset: string } }>("/console/:asset", async (request, reply) => {
    const asset = assets.get(request.params.asset);
    if (!asset) return reply.status(404).send({ error: { code: "NOT_FOUND", message: "no such console file" } });
    return send(reply, asset);
  });
}
