import { readFileSync } from "node:fs";
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asId } from "../../src/adapters/channels/meta/json-fields.js";
import { normaliseMessageText } from "../../src/domain/message-text.js";
import { acceptInbound } from "../../src/app/ingest/accept-inbound.js";
import type { TurnJob, TurnQueue } from "../../src/ports/turn-queue.js";
import { InboundRepository } from "../../src/adapters/storage/ingest/inbound-repository.js";
import { buildMetaTestApp, signedPost } from "../channels/meta-test-app.js";
import { seedMetaChannels } from "../channels/seed-meta-channels.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";

// Hostile and odd input at both webhooks, through inject() into a real InboundRepository on a real
// database: every request gets a clear status (never 500) and invalid input stores nothing.
type Path = "/webhooks/whatsapp" | "/webhooks/instagram";
const PATHS: Path[] = ["/webhooks/whatsapp", "/webhooks/instagram"];
const jobs: TurnJob[] = [];
const queue: TurnQueue = { enqueueTurn: async (job) => void jobs.push(job) };
let database: TestDatabase;
let app: FastifyInstance;
let counter = 0;

const raw = (name: string) => readFileSync(`test/fixtures/meta/${name}.json`, "utf8");
const template = (path: Path) => (path === "/webhooks/whatsapp" ? raw("whatsapp-text") : raw("instagram-text"));
const rowCount = () => database.db.message.count();
/** The fixture's single message, with a fresh id so a valid one really is new. */
function freshPayload(path: Path): any {
  const p = JSON.parse(template(path));
  const id = `prop${++counter}x${Date.now()}`;
  if (path === "/webhooks/whatsapp") p.entry[0].changes[0].value.messages[0].id = `wamid.HBgL${id}`;
  else p.entry[0].messaging[0].message.mid = `aWdf${id}`;
  return p;
}
const messageOf = (path: Path, p: any): Record<string, unknown> =>
  path === "/webhooks/whatsapp" ? p.entry[0].changes[0].value.messages[0] : p.entry[0].messaging[0].message;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedMetaChannels(database.db);
  const store = new InboundRepository(database.db);
  app = buildMetaTestApp({ accept: (m) => acceptInbound({ store, queue }, m), channels: store });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe("Meta webhooks under hostile input", () => {
  it("answers 400 to truncated JSON with a valid signature; stores nothing", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATHS), fc.double({ min: 0, max: 1, noNaN: true }), async (path, cut) => {
        const text = JSON.stringify(freshPayload(path));
        const truncated = text.slice(0, Math.floor(cut * (text.length - 1)));
        const before = await rowCount();
        const res = await app.inject(signedPost(path, truncated));
        expect(res.statusCode).toBe(400);
        expect(await rowCount()).toBe(before);
      }),
      { numRuns: 40 },
    );
  });

  it("answers 200 and stores nothing for any other JSON document", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATHS), fc.jsonValue({ maxDepth: 4 }), async (path, value) => {
        const before = await rowCount();
        const res = await app.inject(signedPost(path, JSON.stringify(value)));
        expect(res.statusCode).toBe(200);
        expect(await rowCount()).toBe(before);
      }),
      { numRuns: 60 },
    );
  });

  it("stores nothing (200, counted as unusable) for a customer message without its id or sender or with text of the wrong type; stores it despite an odd time or type", async () => {
    // What each field's absence or wrong type does: "refused", or "stored" (time: the received one; type: "other").
    const fields = {
      "/webhooks/whatsapp": { id: "refused", from: "refused", text: "refused", timestamp: "stored", type: "stored" },
      "/webhooks/instagram": { mid: "refused", text: "refused" },
    } as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PATHS),
        fc.nat(4),
        // Ids must be strings; a number is as wrong as null.
        fc.oneof(
          fc.constant(undefined),
          fc.constant(null),
          fc.integer({ max: 0 }),
          fc.boolean(),
          fc.array(fc.string(), { maxLength: 2 }),
          fc.constant({}),
        ),
        async (path, pick, value) => {
          const p = freshPayload(path);
          const names = Object.keys(fields[path]) as Array<keyof (typeof fields)[typeof path]>;
          const field = names[pick % names.length]!;
          const message = messageOf(path, p);
          if (value === undefined) delete message[field];
          else message[field] = value;
          // An Instagram message with no text at all is an attachment we cannot describe: stored as "other".
          const outcome = path === "/webhooks/instagram" && field === "text" && value === undefined ? "stored" : fields[path][field];
          const before = await rowCount();
          const res = await app.inject(signedPost(path, JSON.stringify(p)));
          expect(res.statusCode).toBe(200);
          expect(res.json().unusable).toBe(outcome === "stored" ? undefined : 1);
          expect(await rowCount()).toBe(before + (outcome === "stored" ? 1 : 0));
        },
      ),
      { numRuns: 50 },
    );
  });

  it("stores any other message type once, as its kind with a placeholder text; reactions and system notices are skipped", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom("image", "audio", "sticker", "location", "reaction", "system", "unsupported", "interactive", ""),
          fc.string({ maxLength: 40 }),
        ),
        async (type) => {
          fc.pre(type !== "text");
          const p = freshPayload("/webhooks/whatsapp");
          messageOf("/webhooks/whatsapp", p).type = type;
          const before = await rowCount();
          expect((await app.inject(signedPost("/webhooks/whatsapp", JSON.stringify(p)))).statusCode).toBe(200);
          const skipped = type === "reaction" || type === "system";
          expect(await rowCount()).toBe(before + (skipped ? 0 : 1));
          if (!skipped) {
            const row = await database.db.message.findFirstOrThrow({ where: { direction: "inbound" }, orderBy: { seq: "desc" } });
            expect(row.kind).not.toBe("text");
            expect(row.text).toMatch(/^\[[a-z ]+\]/);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it("stores any Unicode text normalised (or skips it when blank), and counts odd ids as unusable, never a 500", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PATHS),
        fc.string({
          unit: fc
            .oneof(fc.constant("grapheme" as const), fc.constant("binary" as const))
            .chain((u) => fc.string({ unit: u, minLength: 1, maxLength: 1 })),
          maxLength: 300,
        }),
        fc.option(fc.string({ unit: "binary", maxLength: 300 }), { nil: undefined }),
        async (path, text, oddId) => {
          const p = freshPayload(path);
          const message = messageOf(path, p);
          if (path === "/webhooks/whatsapp") (message.text as { body: string }).body = text;
          else message.text = text;
          if (oddId !== undefined) message[path === "/webhooks/whatsapp" ? "id" : "mid"] = oddId;
          const before = await rowCount();
          const res = await app.inject(signedPost(path, JSON.stringify(p)));
          const added = (await rowCount()) - before;
          if (oddId !== undefined && asId(oddId) === undefined) {
            expect([res.statusCode, res.json().unusable]).toEqual([200, 1]);
            expect(added).toBe(0);
            return;
          }
          expect(res.statusCode).toBe(200);
          let expected: string | null;
          try {
            expected = normaliseMessageText(text, 4000);
          } catch {
            expected = null;
          }
          if (expected === null) expect(added).toBe(0);
          if (expected !== null && oddId === undefined) {
            expect(added).toBe(1);
            const row = await database.db.message.findFirstOrThrow({ orderBy: { seq: "desc" } });
            expect(row.text).toBe(expected);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("answers 401 to any wrong signature at both webhooks; stores nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PATHS),
        fc.oneof(fc.stringMatching(/^sha256=[0-9a-f]{64}$/), fc.string({ maxLength: 80 }), fc.constant("sha256="), fc.constant("")),
        async (path, header) => {
          const request = signedPost(path, JSON.stringify(freshPayload(path)));
          const before = await rowCount();
          const res = await app.inject({ ...request, headers: { ...request.headers, "x-hub-signature-256": header } });
          expect(res.statusCode).toBe(401);
          expect(await rowCount()).toBe(before);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("answers 413 to a ~3 MB body at both webhooks, signed or not; stores nothing", async () => {
    const before = await rowCount();
    for (const path of PATHS) {
      const p = freshPayload(path);
      p.padding = "é".repeat(1_600_000);
      const body = JSON.stringify(p);
      expect(Buffer.byteLength(body)).toBeGreaterThan(3_000_000);
      expect((await app.inject(signedPost(path, body))).statusCode).toBe(413);
      expect((await app.inject({ method: "POST", url: path, headers: { "content-type": "application/json" }, payload: body })).statusCode).toBe(413);
    }
    expect(await rowCount()).toBe(before);
  });

  it("never answers 500 to random bytes, signed or not", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATHS), fc.uint8Array({ maxLength: 2000 }), fc.boolean(), async (path, bytes, sign) => {
        const body = Buffer.from(bytes);
        const request = sign
          ? signedPost(path, body)
          : { method: "POST" as const, url: path, headers: { "content-type": "application/json" }, payload: body };
        const res = await app.inject(request);
        expect([200, 400, 401]).toContain(res.statusCode);
      }),
      { numRuns: 60 },
    );
  });
});
