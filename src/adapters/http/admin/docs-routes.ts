import { readFileSync } from "node:fs";
import type { FastifyInstance, FastifyReply } from "fastify";

const asset = (name: string) => readFileSync(new URL(`./docs/${name}`, import.meta.url), "utf8");
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The OpenAPI document and a small interactive page rendering it (no CDN, no bundled UI library):
 * both public, since they describe the API and hold no data; every operation still needs a key.
 */
export function registerAdminDocsRoutes(scope: FastifyInstance, prefix: string, openApi: object): void {
  const html = asset("docs.html").replaceAll("{{prefix}}", prefix);
  const js = asset("docs.js");
  const css = asset("docs.css");
  const json = JSON.stringify(openApi);
  const page = (type: string, body: string) => async (_request: unknown, reply: FastifyReply) =>
    reply.header("content-type", type).header("content-security-policy", CSP).header("x-content-type-options", "nosniff").send(body);
  scope.get("/openapi.json", { exposeHeadRoute: false }, page("application/json; charset=utf-8", json));
  scope.get("/docs", { exposeHeadRoute: false }, page("text/html; charset=utf-8", html));
  scope.get("/docs/docs.js", { exposeHeadRoute: false }, page("text/javascript; charset=utf-8", js));
  scope.get("/docs/docs.css", { exposeHeadRoute: false }, page("text/css; charset=utf-8", css));
}
