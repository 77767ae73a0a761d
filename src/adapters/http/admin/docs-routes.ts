import { readFileSync } from "node:fs";
import fastifyHelmet from "@fastify/helmet";
import fastifySwaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { PAGE_CSP_DIRECTIVES } from "../page-csp.js";

const asset = (name: string) => readFileSync(new URL(`./docs/${name}`, import.meta.url), "utf8");
const THEME = {
  title: "Parlor admin API",
  css: [{ filename: "docs-theme.css", content: asset("theme.css") }],
  js: [{ filename: "docs-viewport.js", content: asset("viewport.js") }],
};

/**
 * The OpenAPI document (/openapi.json) and @fastify/swagger-ui's page rendering it (/docs), its
 * scripts and styles served from the npm package (no CDN, works offline), under the console's CSP.
 * Both public, since they describe the API and hold no data; every operation still needs a key.
 */
export async function registerAdminDocsRoutes(scope: FastifyInstance, prefix: string): Promise<void> {
  await scope.register(async (docs) => {
    await docs.register(fastifyHelmet, {
      contentSecurityPolicy: { useDefaults: false, directives: PAGE_CSP_DIRECTIVES },
      referrerPolicy: { policy: "no-referrer" },
    });
    docs.get("/openapi.json", { exposeHeadRoute: false, schema: { hide: true } }, async () => docs.swagger());
    await docs.register(fastifySwaggerUi, {
      routePrefix: "/docs",
      // Its links are absolute: the page sits under the admin scope's prefix.
      indexPrefix: prefix,
      // BaseLayout: no top bar with a box that loads a document from any other URL.
      uiConfig: { layout: "BaseLayout", deepLinking: true, defaultModelsExpandDepth: -1 },
      // Touch-sized controls and a phone-wide layout (the package's page has no viewport tag).
      theme: THEME,
      // validatorUrl stays null: the page asks nothing of another host.
    });
  });
}
