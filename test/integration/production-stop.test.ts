import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import pg from "pg";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import { STOP_MARGIN_MS } from "../../src/main/run-main.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { sealChannelCredentials } from "../../src/domain/secrets/channel-credentials.js";
import { parseSecretKey } from "../../src/domain/secrets/secret-box.js";
import { TEST_BUSINESS_SETTINGS, updateBusinessSettings } from "../../test-kit/test-config.js";
import { TEST_TIMINGS_VARIABLE } from "../../src/main/compose-options.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { groupMembers, startApp, type AppProcess } from "../../test-kit/app-process.js";
import { FakeGraphServer } from "../../test-kit/fake-graph-server.js";
import { ensureProductionBuild } from "../../test-kit/production-build.js";
import { readProductionShape } from "../../test-kit/production-commands.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { databaseUrl, MODEL_CACHE_DIR, TEST_PG_ADMIN_URL, TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";

// The gateway, worker and migration as the Dockerfile and docker-compose.yml run them (npm run
// build, then the compose file's own command: node dist/main/...), stopped as `docker stop` stops
// them: SIGTERM to node. Replies are counted where they arrive, at a fake WhatsApp Cloud API.
const shape = readProductionShape();
const WA_PHONE_NUMBER_ID = "106540352242922";
const APP_SECRET = "stop-test-app-secret";
const SECRETS_KEY = randomBytes(32).toString("base64");
const DEFAULT_SHUTDOWN_DEADLINE_MS = loadConfig("test", {}).reliability.shutdownDeadlineMs;

const redisPrefix = createTestPrefix();
// The gateway tests queue turns no worker here should take: they get a queue of their own.
const gatewayOnlyPrefix = createTestPrefix();
const redis = new Redis(TEST_REDIS_URL);
let database: TestDatabase;
let graph: FakeGraphServer;
let modelPath: string;
const started: AppProcess[] = [];

beforeAll(async () => {
  await ensureProductionBuild();
  graph = await FakeGraphServer.start();
  database = await createTestDatabase();
  const { businessId } = await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "demo", {
    ...TEST_BUSINESS_SETTINGS,
    replyMaxTokens: 16,
  });
  const channel = await database.db.channel.create({
    data: { businessId, kind: "whatsapp_cloud", platformAccountId: WA_PHONE_NUMBER_ID, name: "WhatsApp" },
  });
  const sealed = sealChannelCredentials(
    { accessToken: "token-wa", appSecret: APP_SECRET, verifyToken: "x" },
    parseSecretKey(SECRETS_KEY),
    channel.id,
  );
  const secret = await database.db.channelSecret.create({
    data: { channelId: channel.id, ...sealed, ciphertext: Buffer.from(sealed.ciphertext), iv: Buffer.from(sealed.iv), tag: Buffer.from(sealed.tag) },
  });
  await database.db.channel.update({ where: { id: channel.id }, data: { credentialsRef: secret.id } });
  modelPath = await ensureTinyModel(MODEL_CACHE_DIR);
}, 300_000);

// Each test starts its own processes; none may take the next test's turns.
async function killStarted(): Promise<void> {
  for (const p of started) p.signal("SIGKILL");
  await Promise.all(started.splice(0).map((p) => p.exited));
}
afterEach(killStarted);

afterAll(async () => {
  await killStarted();
  redis.disconnect();
  await graph?.close();
  await database?.drop();
  await redisPrefix.cleanup();
  await gatewayOnlyPrefix.cleanup();
});

/** What compose sets (pointed at the test's services), what the image sets, and the test's own settings. */
function env(overrides: Record<string, string> = {}, database_ = database.url): Record<string, string> {
  const deployment = { ...shape.imageEnv, DATABASE_URL: database_, REDIS_URL: TEST_REDIS_URL, MODEL_PATH: modelPath, HOST: "127.0.0.1", PORT: "0" };
  for (const name of shape.envNames) expect(deployment, `docker-compose.yml sets ${name}`).toHaveProperty(name);
  return {
    ...deployment,
    QUEUE_PREFIX: redisPrefix.prefix,
    META_GRAPH_BASE_URL: graph.baseUrl,
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: "wa-verify",
    CHANNEL_SECRETS_KEY: SECRETS_KEY,
    LLM_THREADS: "1",
    ...overrides,
  };
}

/** The demo business's reply length from its next turn on (a long reply is there to be interrupted). */
const replyMaxTokens = (tokens: number) => updateBusinessSettings(database.db, "demo", { replyMaxTokens: tokens });

function start(service: "gateway" | "worker" | "migrate", overrides: Record<string, string> = {}, database_?: string): AppProcess {
  const p = startApp(shape.commands[service]!, env(overrides, database_));
  started.push(p);
  return p;
}

async function startGateway(overrides: Record<string, string> = {}): Promise<{ gateway: AppProcess; url: string }> {
  const gateway = start("gateway", overrides);
  const line = await gateway.waitForLog("gateway listening");
  return { gateway, url: line.address as string };
}

/** A WhatsApp customer of their own writes one message; returns its wamid. */
async function customerWrites(url: string, text: string): Promise<{ wamid: string; from: string }> {
  const from = `1650${Math.floor(Math.random() * 1e7)
    .toString()
    .padStart(7, "0")}`;
  const wamid = `wamid.${randomUUID()}`;
  const body = JSON.parse(readFileSync("test/fixtures/meta/whatsapp-text.json", "utf8"));
  const value = body.entry[0].changes[0].value;
  value.contacts[0].wa_id = from;
  Object.assign(value.messages[0], { from, id: wamid, text: { body: text } });
  const raw = JSON.stringify(body);
  const res = await fetch(`${url}/webhooks/whatsapp`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": `sha256=${createHmac("sha256", APP_SECRET).update(raw).digest("hex")}` },
    body: raw,
  });
  expect(res.status).toBe(200);
  return { wamid, from };
}

/** Text messages the fake WhatsApp received for this customer: what they saw, not what the database says. */
const textsSentTo = (to: string) =>
  graph.requests.filter((r) => (r.body as { type?: string; to?: string } | undefined)?.type === "text" && (r.body as { to?: string }).to === to);

async function until<T>(read: () => Promise<T> | T, ok: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A turn holds its conversation's lock while it generates. */
async function generationRunning(): Promise<boolean> {
  const [, keys] = await redis.scan("0", "MATCH", `${redisPrefix.prefix}:lock:conversation:*`, "COUNT", 1000);
  return keys.length > 0;
}

const healthz = (url: string) =>
  fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
    (res) => res.status,
    () => "refused" as const,
  );

/** A POST whose body is only half sent: a request in flight for as long as the test wants. */
function halfSentPost(url: string, body: string): { finish(): void; response: Promise<{ status: number } | { error: string }> } {
  const target = new URL(`${url}/api/webchat/demo/messages`);
  const req = http.request({
    host: target.hostname,
    port: target.port,
    path: target.pathname,
    method: "POST",
    headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
  });
  const response = new Promise<{ status: number } | { error: string }>((resolve) => {
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on("error", (error) => resolve({ error: error.message }));
  });
  const half = Math.floor(body.length / 2);
  req.write(body.slice(0, half));
  return { finish: () => req.end(body.slice(half)), response };
}

describe("the deployment files", () => {
  it("run node itself on the compiled build, with time to stop", () => {
    expect(shape.imageCommand).toEqual(["node", "dist/main/gateway.js"]);
    expect(shape.commands.gateway).toEqual(["node", "dist/main/gateway.js"]);
    expect(shape.commands.worker).toEqual(["node", "dist/main/worker.js"]);
    expect(shape.commands.migrate).toEqual(["node", "dist/main/migrate.js"]);
    expect(shape.buildSteps.some((step) => /\bnpm run build\b/.test(step))).toBe(true);
    // docker stop sends SIGKILL after the grace period: it must cover the whole stop.
    for (const service of ["gateway", "worker"]) expect(shape.gracePeriodMs[service]).toBeGreaterThan(DEFAULT_SHUTDOWN_DEADLINE_MS + STOP_MARGIN_MS);
  });
});

describe("migration, as compose runs it", () => {
  it("migrates an empty database from dist/ and exits 0; seeding from dist/ works on it", async () => {
    const name = `parlor_t_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`create database "${name}"`);
    try {
      const migrate = start("migrate", {}, databaseUrl(name));
      const exit = await migrate.exited;
      expect(exit.code, migrate.output()).toBe(0);
      expect(migrate.output()).toMatch(/applied migrations: \d+_init/);
      // The prompts/ folder is found from dist/ too.
      const seed = startApp(["node", "dist/main/seed.js", "--slug", "corner-bakery", "--persona", "support-bakery"], env({}, databaseUrl(name)));
      expect((await seed.exited).code, seed.output()).toBe(0);
      expect(seed.output()).toContain("web chat at /chat/corner-bakery");
    } finally {
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  }, 120_000);
});

describe("gateway, stopped as docker stop stops it", () => {
  it("stops answering, drains the request in flight, ends event streams, logs it and exits 0", async () => {
    const { gateway, url } = await startGateway({ QUEUE_PREFIX: gatewayOnlyPrefix.prefix });
    expect(await healthz(url)).toBe(200);
    // Pages and assets the build copied next to the compiled code, and the console's bundle (web/console).
    for (const page of ["/chat/demo", "/console/", "/console/console.css", "/console/app.js", "/console/sw.js", "/api/admin/docs"])
      expect((await fetch(`${url}${page}`)).status, page).toBe(200);
    const sessionId = randomUUID().replaceAll("-", "");
    const first = await fetch(`${url}/api/webchat/demo/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sessionId, clientMessageId: randomUUID(), text: "hello" }),
    });
    expect(first.status).toBe(202);
    // A web chat page following its conversation: a stream that never ends by itself.
    const stream = await fetch(`${url}/api/webchat/demo/sessions/${sessionId}/events`);
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    const streamEnded = stream.text().then(
      () => "ended",
      () => "ended",
    );
    const clientMessageId = randomUUID();
    const inFlight = halfSentPost(url, JSON.stringify({ sessionId, clientMessageId, text: "sent while it stops" }));
    await new Promise((r) => setTimeout(r, 200));

    gateway.signal("SIGTERM");
    expect(await gateway.waitForLog("SIGTERM received: stopping", 5000)).toMatchObject({ signal: "SIGTERM" });
    // New connections are refused while the request in flight is still being waited for.
    await until(
      () => healthz(url),
      (status) => status !== 200,
      5000,
      "/healthz to stop answering",
    );
    expect(await Promise.race([streamEnded, new Promise((r) => setTimeout(() => r("still open"), 5000))])).toBe("ended");
    inFlight.finish();
    expect(await inFlight.response).toEqual({ status: 202 });
    const drainedAt = Date.now();

    const exit = await gateway.exited;
    expect(exit.code, gateway.output()).toBe(0);
    // Once the last request is answered, nothing is left to wait for (no idle keep-alive connection either).
    expect(exit.at - drainedAt).toBeLessThan(2000);
    expect(gateway.logLines().find((l) => l.msg === "stopped")).toMatchObject({
      signal: "SIGTERM",
      requestsDrained: 1,
      streamsEnded: 1,
      requestsCut: 0,
    });
    expect(await healthz(url)).toBe("refused");
    // The message that arrived during the stop was kept.
    expect(await database.db.message.count({ where: { platformMessageId: `${sessionId}:${clientMessageId}` } })).toBe(1);
  }, 60_000);

  it("cuts off a request still running at SHUTDOWN_DEADLINE_MS, says so, and exits 0", async () => {
    const { gateway, url } = await startGateway({ QUEUE_PREFIX: gatewayOnlyPrefix.prefix, SHUTDOWN_DEADLINE_MS: "1000" });
    const stuck = halfSentPost(
      url,
      JSON.stringify({ sessionId: randomUUID().replaceAll("-", ""), clientMessageId: randomUUID(), text: "never finished" }),
    );
    await new Promise((r) => setTimeout(r, 200));
    const stoppedAt = Date.now();
    gateway.signal("SIGTERM");
    const exit = await gateway.exited;
    expect(exit.code, gateway.output()).toBe(0);
    expect(exit.at - stoppedAt).toBeGreaterThanOrEqual(1000);
    expect(exit.at - stoppedAt).toBeLessThan(1000 + STOP_MARGIN_MS);
    expect(gateway.logLines().find((l) => l.msg === "stopped")).toMatchObject({ requestsDrained: 0, requestsCut: 1 });
    expect(await stuck.response).toHaveProperty("error");
  }, 60_000);
});

describe("worker, stopped as docker stop stops it", () => {
  it("lets the running turn finish: its reply reaches the customer once, and it exits 0", async () => {
    const { url } = await startGateway();
    await replyMaxTokens(400);
    const worker = start("worker", { SHUTDOWN_DEADLINE_MS: "60000" });
    await worker.waitForLog("worker started");
    const { from } = await customerWrites(url, "What do you bake on Sundays?");
    await until(generationRunning, Boolean, 60_000, "generation to start");
    const stoppedAt = Date.now();
    worker.signal("SIGTERM");
    const exit = await worker.exited;
    expect(exit.code, worker.output()).toBe(0);
    expect(exit.at - stoppedAt).toBeLessThan(60_000);
    expect(worker.logLines().find((l) => l.msg === "SIGTERM received: stopping")).toBeDefined();
    expect(worker.logLines().find((l) => l.msg === "stopped")).toMatchObject({
      signal: "SIGTERM",
      turnsFinished: 1,
      turnsHandedBack: 0,
      turnsLeftToStall: 0,
      sendsFinished: 1,
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect(textsSentTo(from)).toHaveLength(1);
  }, 120_000);

  it("past SHUTDOWN_DEADLINE_MS hands the turn back at once: another worker answers it, once", async () => {
    const { url } = await startGateway();
    // Job locks as in production (30 s): a turn left to stall would wait that long for another worker.
    await replyMaxTokens(2000);
    const first = start("worker", { SHUTDOWN_DEADLINE_MS: "300" });
    await first.waitForLog("worker started");
    const { from } = await customerWrites(url, "Tell me a long story about bread");
    await until(generationRunning, Boolean, 60_000, "generation to start");
    const stoppedAt = Date.now();
    first.signal("SIGTERM");
    const exit = await first.exited;
    expect(exit.code, first.output()).toBe(0);
    expect(exit.at - stoppedAt).toBeLessThan(300 + STOP_MARGIN_MS);
    expect(textsSentTo(from)).toHaveLength(0);
    expect(first.logLines().find((l) => l.msg === "stopped")).toMatchObject({ turnsFinished: 0, turnsHandedBack: 1, turnsLeftToStall: 0 });

    await replyMaxTokens(16);
    const startedAt = Date.now();
    const second = start("worker");
    await until(
      () => textsSentTo(from),
      (sent) => sent.length > 0,
      25_000,
      "the handed-back turn's reply at the customer",
    );
    expect(Date.now() - startedAt).toBeLessThan(25_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(textsSentTo(from)).toHaveLength(1);
    const reply = await database.db.message.findFirstOrThrow({
      where: { direction: "outbound", conversation: { contact: { platformUserId: from } } },
      include: { turn: true },
    });
    expect(reply.turn?.worker).toMatch(new RegExp(`:${second.pid}$`));
  }, 120_000);

  it("a second SIGTERM ends it at once with exit code 1, saying so; the turn is still answered once", async () => {
    const { url } = await startGateway();
    // Short leases, as after any crash: the abandoned turn's job and conversation locks lapse in 2 s.
    const crashLeases = { JOB_LOCK_MS: "2000", [TEST_TIMINGS_VARIABLE]: JSON.stringify({ stalledCheckMs: 1000 }), TURN_LOCK_MS: "2000" };
    await replyMaxTokens(2000);
    const worker = start("worker", { SHUTDOWN_DEADLINE_MS: "60000", ...crashLeases });
    await worker.waitForLog("worker started");
    const { from } = await customerWrites(url, "Tell me everything about your cakes");
    await until(generationRunning, Boolean, 60_000, "generation to start");
    worker.signal("SIGTERM");
    await worker.waitForLog("SIGTERM received: stopping", 5000);
    const secondAt = Date.now();
    worker.signal("SIGTERM");
    const exit = await worker.exited;
    expect(exit.code, worker.output()).toBe(1);
    expect(exit.at - secondAt).toBeLessThan(2000);
    expect(worker.logLines().find((l) => /SIGTERM received while stopping: exiting now/.test(l.msg ?? ""))).toMatchObject({ exitCode: 1 });
    expect(worker.logLines().find((l) => l.msg === "stopped")).toBeUndefined();

    await replyMaxTokens(16);
    start("worker", crashLeases);
    await until(
      () => textsSentTo(from),
      (sent) => sent.length > 0,
      60_000,
      "the abandoned turn's reply at the customer",
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(textsSentTo(from)).toHaveLength(1);
  }, 150_000);
});

describe("development commands", () => {
  it("SIGTERM to `npm run gateway` (npm alone, as docker stop would) stops the gateway too: no orphaned node", async () => {
    // Its own process group, so whatever it started can be found afterwards.
    const npm = startApp(
      ["npm", "run", "gateway"],
      { ...env({ QUEUE_PREFIX: gatewayOnlyPrefix.prefix }), NODE_ENV: "development" },
      { detached: true },
    );
    started.push(npm);
    const { address: url } = (await npm.waitForLog("gateway listening")) as { address: string };
    expect(await healthz(url)).toBe(200);
    npm.signal("SIGTERM");
    await npm.exited;
    const left = await until(
      () => groupMembers(npm.pid),
      (members) => members.length === 0,
      10_000,
      "the gateway to stop",
    ).catch(() => groupMembers(npm.pid));
    try {
      expect(left, "processes left running after npm stopped").toEqual([]);
    } finally {
      if (left.length > 0) process.kill(-npm.pid, "SIGKILL");
    }
    // The gateway (npm's grandchild) writes its last line into the same pipe: read to its end.
    await npm.outputClosed;
    expect(npm.logLines().find((l) => l.msg === "stopped")).toMatchObject({ signal: "SIGTERM" });
    expect(await healthz(url)).toBe("refused");
  }, 60_000);
});
