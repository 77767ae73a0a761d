import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maskPhoneNumbers, OwnerAlerts } from "../../src/app/alerts/owner-alerts.js";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { PushRepository } from "../../src/adapters/storage/admin/push-repository.js";
import { buildAdminTestApp, createAdminTestDatabase, seedShop, type AdminTestApp, type Shop } from "../../test-kit/admin-test-app.js";
import { FakePushService } from "../../test-kit/fake-push-service.js";
import type { TestDatabase } from "../../test-kit/test-database.js";

// Web Push to owners against a real push service protocol (a loopback HTTPS service that checks
// the VAPID signature and decrypts like a browser), with the subscriptions in PostgreSQL.
let database: TestDatabase;
let t: AdminTestApp;
let push: FakePushService;
let alerts: OwnerAlerts;
let shop: Shop;
let other: Shop;
let shopDeviceId: string;
const secretsKey = randomBytes(32);
const logger = createLogger("silent", "test");

const newAlerts = () =>
  new OwnerAlerts({ store: new PushRepository(database.db), secretsKey, subject: "mailto:owner@example.com", logger, agent: push.agent });
const alert = (conversationId: string) => ({
  kind: "handoff" as const,
  conversationId,
  title: "Sunrise Bakery: a customer needs you",
  body: "Web chat: “I want a refund”",
});

beforeAll(async () => {
  database = await createAdminTestDatabase();
  push = await FakePushService.start();
  alerts = newAlerts();
  t = await buildAdminTestApp(database.db, { alerts });
  shop = await seedShop(database.db, t.store, "shop-a");
  other = await seedShop(database.db, t.store, "shop-b");
});

afterAll(async () => {
  await t?.app.close();
  await push?.close();
  await database?.drop();
});

describe("owner alerts by Web Push", () => {
  it("subscribes a browser through the admin API and pushes an encrypted, VAPID-signed alert it can read", async () => {
    const state = await t.app.inject({ url: "/api/admin/alerts", headers: { authorization: shop.auth } });
    expect(state.statusCode).toBe(200);
    expect(state.json()).toMatchObject({
      available: true,
      handoffs: true,
      waiting: true,
      devices: 0,
      publicKey: expect.stringMatching(/^[A-Za-z0-9_-]{87}$/),
    });
    const browser = push.newSubscription();
    shopDeviceId = browser.id;
    const added = await t.app.inject({
      method: "POST",
      url: "/api/admin/alerts/subscriptions",
      headers: { authorization: shop.auth },
      payload: { endpoint: browser.endpoint, keys: browser.keys },
    });
    expect(added.statusCode).toBe(204);
    // Stored sealed: neither the endpoint nor the keys are readable in the row.
    const row = await database.db.pushSubscription.findFirstOrThrow({ where: { apiKeyId: shop.keyId } });
    expect(Buffer.from(row.sealed).toString("latin1")).not.toContain(browser.id);
    expect(JSON.stringify(row)).not.toContain(browser.keys.auth);

    expect(await alerts.notifyOwners(shop.businessId, alert(shop.conversationId))).toBe(1);
    const received = push.received.filter((p) => p.subscriptionId === browser.id);
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.payload)).toEqual({
      ...alert(shop.conversationId),
      businessId: shop.businessId,
      url: `/console/#/inbox/${shop.conversationId}`,
    });
    expect(received[0]!.vapidKey).toBe(state.json().publicKey);
    expect(received[0]!.urgency).toBe("high");
  });

  it("keeps one VAPID pair: generated once, its private key sealed, shared by every process", async () => {
    const rows = await database.db.webPushKeys.findMany();
    expect(rows).toHaveLength(1);
    expect(await newAlerts().publicKey()).toBe(rows[0]!.publicKey);
  });

  it("alerts only live keys that see the business and want that kind; a gone subscription is deleted", async () => {
    const owner = await issueApiKey(t.store.apiKeys, { businessId: null, name: "owner" });
    const ownerDevice = push.newSubscription();
    await alerts.subscribe(owner.record.id, ownerDevice);
    const otherDevice = push.newSubscription();
    await alerts.subscribe(other.keyId, otherDevice);
    const before = push.received.length;
    expect(await alerts.notifyOwners(shop.businessId, alert(shop.conversationId))).toBe(2);
    // The shop's own device and the owner's; not the other business's.
    expect(
      push.received
        .slice(before)
        .map((p) => p.subscriptionId)
        .sort(),
    ).toEqual([ownerDevice.id, shopDeviceId].sort());

    // The shop's key wants no handoff alerts any more: only the owner's device.
    const off = await t.app.inject({
      method: "PUT",
      url: "/api/admin/alerts",
      headers: { authorization: shop.auth },
      payload: { handoffs: false, waiting: true },
    });
    expect(off.json()).toMatchObject({ handoffs: false, waiting: true, devices: 1 });
    expect(await alerts.notifyOwners(shop.businessId, alert(shop.conversationId))).toBe(1);
    expect(await alerts.notifyOwners(shop.businessId, { ...alert(shop.conversationId), kind: "waiting" })).toBe(2);

    // The owner's browser unsubscribed at the push service: 410, and the row goes.
    push.expire(ownerDevice.id);
    expect(await alerts.notifyOwners(shop.businessId, { ...alert(shop.conversationId), kind: "waiting" })).toBe(1);
    expect(await database.db.pushSubscription.count({ where: { apiKeyId: owner.record.id } })).toBe(0);

    // A revoked key's devices hear nothing.
    await database.db.apiKey.update({ where: { id: shop.keyId }, data: { revokedAt: new Date() } });
    expect(await alerts.notifyOwners(shop.businessId, { ...alert(shop.conversationId), kind: "waiting" })).toBe(0);
  });

  it("removes a subscription on request, refuses what is not a push service URL", async () => {
    const device = push.newSubscription();
    await alerts.subscribe(other.keyId, device);
    const bad = await t.app.inject({
      method: "POST",
      url: "/api/admin/alerts/subscriptions",
      headers: { authorization: other.auth },
      payload: { endpoint: "http://127.0.0.1/x", keys: device.keys },
    });
    expect(bad.statusCode).toBe(400);
    const gone = await t.app.inject({
      method: "DELETE",
      url: "/api/admin/alerts/subscriptions",
      headers: { authorization: other.auth },
      payload: { endpoint: device.endpoint },
    });
    expect(gone.statusCode).toBe(204);
    const again = await t.app.inject({
      method: "DELETE",
      url: "/api/admin/alerts/subscriptions",
      headers: { authorization: other.auth },
      payload: { endpoint: device.endpoint },
    });
    expect(again.statusCode).toBe(404);
  });

  it("masks phone numbers in what a notification shows, whoever wrote it", async () => {
    expect(maskPhoneNumbers("call me on +34 600 111 222 or 612-345-678 before 5, order 42")).toBe("call me on … or … before 5, order 42");
    const owner = await issueApiKey(t.store.apiKeys, { businessId: null, name: "owner 2" });
    const device = push.newSubscription();
    await alerts.subscribe(owner.record.id, device);
    await alerts.notifyOwners(other.businessId, {
      kind: "handoff",
      conversationId: other.conversationId,
      title: "+34 600 111 222: a customer needs you",
      body: "WhatsApp +34600111222: “ring me 612 345 678”",
    });
    const payload = JSON.parse(push.received.filter((p) => p.subscriptionId === device.id).at(-1)!.payload);
    expect(payload).toMatchObject({ title: "…: a customer needs you", body: "WhatsApp …: “ring me …”" });
  });
});
