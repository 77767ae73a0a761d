import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerConsoleRoutes } from "../../src/adapters/http/console/console-routes.js";
import { developmentConsoleBundle } from "../../web/console/build-console.js";

// Run from source, the gateway bundles web/console at start (npm run build does it for dist/:
// production-stop.test.ts fetches the same files from a built gateway).
describe("the console served from source", () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    registerConsoleRoutes(app);
    await app.ready();
  });
  afterAll(() => app?.close());

  it("serves app.js as one bundled script with its source map, and the page loads only it, under a CSP without inline code", async () => {
    const page = await app.inject({ url: "/console/" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(page.headers["content-security-policy"]).not.toContain("unsafe-inline");
    const scripts = [...page.body.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts).toEqual(['<script type="module" src="/console/app.js">']);
    const script = await app.inject({ url: "/console/app.js" });
    expect(script.statusCode).toBe(200);
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    // Bundled: no module of web/console left to fetch, no TypeScript left in it.
    expect(script.body).not.toMatch(/^import\s/m);
    expect(script.body).not.toContain("./api.js");
    expect(script.body).toContain("/api/admin");
    expect(script.body).toMatch(/\/\/# sourceMappingURL=app\.js\.map\s*$/);
    expect((await app.inject({ url: "/console/app.js.map" })).statusCode).toBe(200);
  });

  it("serves the service worker from /console/ as a classic script (its own entry)", async () => {
    const sw = await app.inject({ url: "/console/sw.js" });
    expect(sw.statusCode).toBe(200);
    expect(sw.body).toContain("showNotification");
    expect(sw.body).not.toMatch(/^\s*(import|export)\s/m);
  });

  it("reuses the bundle of unchanged sources", async () => {
    expect(await developmentConsoleBundle()).toBe(await developmentConsoleBundle());
  });
});
