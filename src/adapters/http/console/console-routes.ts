import fastifyHelmet from "@fastify/helmet";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";
import { fileURLToPath } from "node:url";
import { PAGE_CSP_DIRECTIVES } from "../page-csp.js";
import { appIconPng } from "./app-icon.js";

/** Where `npm run build` puts the console's bundle (web/console/build-console.ts) in dist/. */
const BUILT_ASSETS_DIR = fileURLToPath(new URL("./assets/", import.meta.url));

/**
 * The console's files: dist/'s bundle in production; run from source (tsx, vitest: this file is
 * .ts), the bundle of web/console as it is now, made at start if missing (esbuild, a dev
 * dependency, is loaded only then). The builder is named by a computed URL so that tsc's build of
 * src/ neither follows it nor needs it.
 */
async function consoleAssetsDir(): Promise<string> {
  if (!import.meta.url.endsWith(".ts")) return BUILT_ASSETS_DIR;
  const builder = new URL("../../../../web/console/build-console.ts", import.meta.url).href;
  const { developmentConsoleBundle } = (await import(builder)) as { developmentConsoleBundle: () => Promise<string> };
  return developmentConsoleBundle();
}

/**
 * The admin web console under /console: a static page and its bundled script that call the admin API signed in by the
 * session cookie the typed API key was exchanged for. The pages hold no data, so they are public;
 * every API call still needs the sign-in. sw.js (alerts) is served from /console/, its scope.
 * @fastify/static serves the files present at start only (no path from the URL reaches the disk
 * beyond them), with ETags; @fastify/helmet sets the CSP and the other security headers.
 */
export function registerConsoleRoutes(app: FastifyInstance): void {
  void app.register(async (scope) => {
    await scope.register(fastifyHelmet, {
      contentSecurityPolicy: { useDefaults: false, directives: PAGE_CSP_DIRECTIVES },
      referrerPolicy: { policy: "no-referrer" },
    });
    await scope.register(fastifyStatic, {
      root: await consoleAssetsDir(),
      prefix: "/console/",
      // One route per file found at start, so an unknown name is a plain 404.
      wildcard: false,
      index: "index.html",
      // The console changes with the server: revalidate every time (the ETag makes that cheap).
      cacheControl: false,
      setHeaders: (res, path) => {
        res.header("cache-control", "no-cache");
        // RFC 9239's type for scripts (send's mime table still says application/javascript).
        if (path.endsWith(".js")) res.header("content-type", "text/javascript; charset=utf-8");
      },
    });
    // The service worker's scope is /console/: a page at /console would be outside it (no alerts there).
    scope.get("/console", async (_request, reply) => reply.redirect("/console/", 301));
    // The app icons (manifest, notifications) are drawn at start rather than kept as binary files.
    for (const size of [192, 512]) {
      const png = appIconPng(size);
      scope.get(`/console/icon-${size}.png`, async (_request, reply: FastifyReply) =>
        reply.header("content-type", "image/png").header("cache-control", "no-cache").send(png),
      );
    }
  });
}
