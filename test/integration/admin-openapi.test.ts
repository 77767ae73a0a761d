import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminRoutes } from "../../src/adapters/http/admin/routes/all-routes.js";
import { buildAdminTestApp, createAdminTestDatabase, ownerAuth, seedShop, type AdminTestApp, type Shop } from "../../test-kit/admin-test-app.js";
import type { TestDatabase } from "../../test-kit/test-database.js";

// The OpenAPI document (@fastify/swagger over the routes' zod schemas), the docs page
// (@fastify/swagger-ui) and the 400 that fastify-type-provider-zod's validation becomes.
let database: TestDatabase;
let t: AdminTestApp;
let shop: Shop;
let owner: string;

const PREFIX = "/api/admin";
type Parameter = { name: string; in: string; required: boolean };
type Operation = { operationId: string; tags: string[]; summary: string; parameters?: Parameter[]; responses: Record<string, unknown> };
const openApiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, "{$1}");
/** Every "METHOD url" the admin scope registered, but the docs page's own (the page, its assets, the document). */
const documentedRoutes = () =>
  t.routes.filter((r) => {
    const [method, url] = r.split(" ") as [string, string];
    return url.startsWith(PREFIX) && method !== "HEAD" && !url.startsWith(`${PREFIX}/docs`) && url !== `${PREFIX}/openapi.json`;
  });

beforeAll(async () => {
  database = await createAdminTestDatabase();
  t = await buildAdminTestApp(database.db);
  shop = await seedShop(database.db, t.store, "shop-docs");
  owner = await ownerAuth(t.store);
});

afterAll(async () => {
  await t?.app.close();
  await database?.drop();
});

describe("the OpenAPI document", () => {
  it("lists every registered admin route, once, with its path and query parameters, without authentication", async () => {
    const res = await t.app.inject({ url: `${PREFIX}/openapi.json` });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe("3.0.3");
    const paths = doc.paths as Record<string, Record<string, Operation>>;
    const operations = Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const registered = documentedRoutes();
    // The declared routes plus sign-in/out and the event stream.
    expect(registered.length).toBe(adminRoutes.length + 3);
    expect(operations.sort()).toEqual(registered.map(openApiPath).sort());
    for (const route of registered) {
      const [method, url] = route.split(" ") as [string, string];
      const op = paths[openApiPath(url)]![method.toLowerCase()]!;
      const inPath = [...url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]);
      const parameters = op.parameters ?? [];
      expect(
        parameters.filter((p) => p.in === "path").map((p) => p.name),
        route,
      ).toEqual(inPath);
      for (const p of parameters.filter((p) => p.in === "path")) expect(p.required, `${route} ${p.name}`).toBe(true);
      const declared = adminRoutes.find((r) => `${r.method} ${PREFIX}${r.path}` === route);
      const query = declared?.query ? Object.keys((declared.query as unknown as { shape: object }).shape) : [];
      expect(
        parameters.filter((p) => p.in === "query").map((p) => p.name),
        route,
      ).toEqual(query);
      expect(op.tags, route).toHaveLength(1);
      expect(op.summary, route).toBeTruthy();
      expect(Object.keys(op.responses), route).toEqual(expect.arrayContaining(["400", "401", "503"]));
      if (declared) expect(Object.keys(op.responses), route).toEqual(expect.arrayContaining((declared.errors ?? []).map(String)));
      expect(op.responses["401"]).toEqual({ $ref: "#/components/responses/Error401" });
      expect(JSON.stringify(op)).not.toContain("x-errors");
    }
    const ids = Object.values(paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    expect(JSON.stringify(doc)).not.toContain("secretHash");
  });

  it("keeps the security schemes, tags, schemas, error responses and operation ids", async () => {
    const doc = (await t.app.inject({ url: `${PREFIX}/openapi.json` })).json();
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["apiKey", "consoleSession"]);
    expect(doc.security).toEqual([{ apiKey: [] }, { consoleSession: [] }]);
    expect(doc.tags.map((tag: { name: string }) => tag.name)).toEqual([...new Set(adminRoutes.map((r) => r.tag))]);
    expect(doc.components.schemas.Error.properties.error.properties).toHaveProperty("field");
    expect(doc.components.responses.Error422.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Error" });
    const createPersona = doc.paths["/api/admin/businesses/{businessId}/personas"].post;
    expect(createPersona.operationId).toBe("postBusinessesByBusinessIdPersonas");
    expect(createPersona.tags).toEqual(["personas"]);
    expect(createPersona.parameters).toEqual([expect.objectContaining({ name: "businessId", in: "path", required: true })]);
    const createBody = createPersona.requestBody.content["application/json"].schema;
    expect(createBody.properties.persona.properties.settings.properties).toHaveProperty("handoff");
    expect(createBody.properties.persona.properties.settings.required).toEqual(expect.arrayContaining(["kind", "name", "business", "owner"]));
    expect(createPersona.responses["201"].content["application/json"].schema.properties).toHaveProperty("activeVersion");
    expect(createPersona.responses["422"]).toEqual({ $ref: "#/components/responses/Error422" });
    const list = doc.paths["/api/admin/businesses/{businessId}/conversations"].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual([
      "channelId",
      "contactId",
      "status",
      "unanswered",
      "state",
      "tryIt",
      "q",
      "limit",
      "cursor",
      "businessId",
    ]);
    const removeKey = doc.paths["/api/admin/api-keys/{keyId}"].delete;
    expect(Object.keys(removeKey.responses).sort()).toEqual(["204", "400", "401", "403", "404", "503"]);
    expect(removeKey.responses["204"]).toEqual({ description: "No content" });
    const signIn = doc.paths["/api/admin/session"].post;
    expect(signIn.security).toEqual([{ apiKey: [] }]);
    expect(signIn.responses["201"].content["application/json"].schema.required).toEqual(["keyId", "businessId", "owner", "session"]);
    expect(doc.paths["/api/admin/businesses/{businessId}/events"].get.responses["200"].content).toHaveProperty("text/event-stream");
  });
});

describe("validation by the route schemas", () => {
  it("answers bad input with one 400 INVALID_REQUEST naming every bad field, in params, query and body", async () => {
    const auth = { authorization: owner };
    const body = await t.app.inject({
      method: "PUT",
      url: `${PREFIX}/businesses/${shop.businessId}/hours`,
      headers: auth,
      payload: {
        timezone: "Mars/Olympus",
        openingHours: {
          tue: [
            ["09:00", "18:00"],
            ["25:00", "26:00"],
          ],
        },
        outsideHours: "maybe",
      },
    });
    expect(body.statusCode).toBe(400);
    const error = body.json().error;
    expect(error.code).toBe("INVALID_REQUEST");
    expect(error.details.problems.map((p: { field: string }) => p.field)).toEqual(
      expect.arrayContaining(["body.timezone", "body.openingHours.tue[1][0]", "body.outsideHours", "body.awayMessage"]),
    );
    for (const p of error.details.problems) expect(p.message, p.field).toBeTruthy();
    expect(error.field).toBe(error.details.problems[0].field);
    expect(error.message).not.toMatch(/body\.|INVALID_REQUEST/);

    const params = await t.app.inject({ url: `${PREFIX}/businesses/not-a-uuid/hours`, headers: auth });
    expect(params.statusCode).toBe(400);
    expect(params.json().error.details.problems).toEqual([{ field: "params.businessId", message: "must be a UUID" }]);

    const query = await t.app.inject({ url: `${PREFIX}/businesses/${shop.businessId}/conversations?limit=0&status=lost`, headers: auth });
    expect(query.statusCode).toBe(400);
    expect(
      query
        .json()
        .error.details.problems.map((p: { field: string }) => p.field)
        .sort(),
    ).toEqual(["query.limit", "query.status"]);

    // No body at all reads as {}: each required field is named, not "body".
    const empty = await t.app.inject({ method: "POST", url: `${PREFIX}/businesses`, headers: auth });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.details.problems.map((p: { field: string }) => p.field)).toEqual(expect.arrayContaining(["body.slug", "body.name"]));
  });

  it("authenticates before it validates: a bad request without a key is 401", async () => {
    const res = await t.app.inject({ url: `${PREFIX}/businesses/not-a-uuid/hours` });
    expect(res.statusCode).toBe(401);
  });

  it("sends only the fields the response schema lists", async () => {
    // A store that hands back more than the API shows (as a wider record might).
    const businesses = Object.create(t.store.businesses) as typeof t.store.businesses;
    businesses.get = async (id) => {
      const found = await t.store.businesses.get(id);
      return found && ({ ...found, internalNote: "not for the API" } as typeof found);
    };
    const wide = await buildAdminTestApp(database.db, { store: { ...t.store, businesses } });
    try {
      const res = await wide.app.inject({ url: `${PREFIX}/businesses/${shop.businessId}`, headers: { authorization: owner } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: shop.businessId, slug: "shop-docs" });
      expect(res.body).not.toContain("internalNote");
    } finally {
      await wide.app.close();
    }
  });
});

describe("the docs page", () => {
  it("is @fastify/swagger-ui served from this origin under the console's CSP, reading this API's document", async () => {
    for (const url of [`${PREFIX}/docs`, `${PREFIX}/docs/`]) {
      const page = await t.app.inject({ url });
      expect(page.statusCode, url).toBe(200);
      expect(page.headers["content-type"]).toContain("text/html");
      const csp = String(page.headers["content-security-policy"]);
      for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"])
        expect(csp).toContain(directive);
      expect(page.headers["x-content-type-options"]).toBe("nosniff");
      const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(assets.length).toBeGreaterThan(3);
      for (const asset of assets) {
        expect(asset, url).not.toMatch(/^(https?:)?\/\//);
        const absolute = new URL(asset, `http://localhost${url}`).pathname;
        expect((await t.app.inject({ url: absolute })).statusCode, absolute).toBe(200);
      }
    }
    const init = await t.app.inject({ url: `${PREFIX}/docs/static/swagger-initializer.js` });
    expect(init.body).toContain("resolveUrl('./json')");
    expect(init.body).toContain('"layout":"BaseLayout"');
    const json = await t.app.inject({ url: `${PREFIX}/docs/json` });
    expect(json.json()).toEqual((await t.app.inject({ url: `${PREFIX}/openapi.json` })).json());
  });
});
