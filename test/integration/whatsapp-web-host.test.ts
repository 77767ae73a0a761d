import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { hostWhatsappWebChannels } from "../../src/main/host-whatsapp-web.js";
import { loadPersonaTemplate } from "../../src/domain/personas/persona-templates.js";
import { seedBusiness } from "../../src/adapters/storage/seed-business.js";
import { FakeWwebClient } from "../channels/fake-wweb-client.js";
import { testConfig, TEST_BUSINESS_SETTINGS } from "../../test-kit/test-config.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";

// A WhatsApp (your phone) channel added from the console gets its session, and its QR code to scan,
// from the running worker without a restart; removing it stops the session.
const prefix = createTestPrefix();
let database: TestDatabase;
let host: Awaited<ReturnType<typeof hostWhatsappWebChannels>>;
let businessId: string;
const clients = new Map<string, FakeWwebClient>();

beforeAll(async () => {
  database = await createTestDatabase();
  businessId = (await seedBusiness(database.db, await loadPersonaTemplate("support-bakery"), "shop", TEST_BUSINESS_SETTINGS)).businessId;
  host = await hostWhatsappWebChannels({
    config: testConfig({ QUEUE_PREFIX: prefix.prefix }),
    db: database.db,
    redisUrl: TEST_REDIS_URL,
    logger: createLogger("silent", "test"),
    print: () => undefined,
    createClient: (options) => {
      const client = new FakeWwebClient();
      clients.set(options.clientId, client);
      return client;
    },
    rescanMs: 100,
  });
});

afterAll(async () => {
  await host?.stop();
  await database?.drop();
  await prefix.cleanup();
});

describe("whatsapp-web.js host", () => {
  it("starts the session of a channel added while it runs, stores its QR code, and stops it when the channel is removed", async () => {
    expect(clients.size).toBe(0);
    const channel = await database.db.channel.create({
      data: { businessId, kind: "whatsapp_web", platformAccountId: "+34600111222", name: "Shop phone" },
    });
    await expect.poll(() => clients.get(channel.id)?.calls.includes("initialize") ?? false, { timeout: 5000 }).toBe(true);
    clients.get(channel.id)!.emit("qr", "2@pairing-code");
    await expect
      .poll(
        async () =>
          (await database.db.channel.findUniqueOrThrow({ where: { id: channel.id } })).connection as { state?: string; qrDataUrl?: string } | null,
        { timeout: 5000 },
      )
      .toMatchObject({ state: "pairing", qrDataUrl: expect.stringMatching(/^data:image\/png;base64,/) });

    // Scanned, then removed: the phone's linked device is logged out, then the session ends.
    clients.get(channel.id)!.emit("ready");
    await database.db.channel.delete({ where: { id: channel.id } });
    await expect.poll(() => clients.get(channel.id)!.calls.includes("destroy"), { timeout: 5000 }).toBe(true);
    expect(clients.get(channel.id)!.calls.slice(-2)).toEqual(["logout", "destroy"]);
    // Not started again.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(clients.get(channel.id)!.calls.filter((c) => c === "initialize")).toHaveLength(1);
  });

  it("only stops a channel switched off (the phone stays linked), and starts it again when switched on", async () => {
    const channel = await database.db.channel.create({
      data: { businessId, kind: "whatsapp_web", platformAccountId: "+34600111444", name: "Second phone" },
    });
    await expect.poll(() => clients.get(channel.id)?.calls.includes("initialize") ?? false, { timeout: 5000 }).toBe(true);
    const first = clients.get(channel.id)!;
    first.emit("ready");
    await database.db.channel.update({ where: { id: channel.id }, data: { enabled: false } });
    await expect.poll(() => first.calls.includes("destroy"), { timeout: 5000 }).toBe(true);
    expect(first.calls).not.toContain("logout");
    await database.db.channel.update({ where: { id: channel.id }, data: { enabled: true } });
    await expect
      .poll(() => clients.get(channel.id) !== first && (clients.get(channel.id)?.calls.includes("initialize") ?? false), { timeout: 5000 })
      .toBe(true);
  });
});
