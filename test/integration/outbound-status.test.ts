import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStatusUpdater } from "../../src/adapters/channels/whatsapp-cloud/apply-status-updates.js";
import { parseCloudWebhook } from "../../src/adapters/channels/whatsapp-cloud/cloud-webhook-mapper.js";
import { outboundStatusStore, updateOutboundStatus } from "../../src/adapters/storage/turn/update-outbound-status.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { InboundRepository } from "../../src/adapters/storage/ingest/inbound-repository.js";
import { seedMetaChannels } from "../channels/seed-meta-channels.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";

const DELIVERED_ID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA";
const FAILED_ID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA";
let database: TestDatabase;
let channelId: string;

async function reply(platformMessageId: string, status: "sent" | "pending" = "sent") {
  const conversation = await database.db.conversation.findFirstOrThrow();
  return database.db.message.create({
    data: {
      businessId: conversation.businessId,
      conversationId: conversation.id,
      channelId,
      direction: "outbound",
      text: "Yes, in blue.",
      status,
      platformMessageId,
    },
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  const seeded = await seedMetaChannels(database.db);
  channelId = seeded.whatsappChannelId;
  const contact = await database.db.contact.create({ data: { businessId: seeded.businessId, channelId, platformUserId: "16505551234" } });
  await database.db.conversation.create({ data: { businessId: seeded.businessId, channelId, contactId: contact.id } });
});

afterAll(() => database?.drop());

describe("WhatsApp receipts update stored replies", () => {
  it("applies sent/delivered/read/failed from a webhook, by platform message id", async () => {
    const delivered = await reply(DELIVERED_ID);
    const failed = await reply(FAILED_ID);
    const onStatus = createStatusUpdater({
      statuses: outboundStatusStore(database.db),
      channels: new InboundRepository(database.db),
      logger: createLogger("silent", "test"),
    });
    await onStatus(parseCloudWebhook(JSON.parse(readFileSync("test/fixtures/meta/whatsapp-statuses.json", "utf8")), 4000).statuses);
    expect((await database.db.message.findUniqueOrThrow({ where: { id: delivered.id } })).status).toBe("read");
    const failedRow = await database.db.message.findUniqueOrThrow({ where: { id: failed.id } });
    expect(failedRow).toMatchObject({ status: "failed", error: "WhatsApp error 131047: Re-engagement message" });
  });

  it("only moves a status forward (receipts arrive out of order)", async () => {
    const m = await reply("wamid.HBgLORDER1");
    expect(await updateOutboundStatus(database.db, channelId, "wamid.HBgLORDER1", "read")).toBe(true);
    expect(await updateOutboundStatus(database.db, channelId, "wamid.HBgLORDER1", "delivered")).toBe(false);
    expect(await updateOutboundStatus(database.db, channelId, "wamid.HBgLORDER1", "failed")).toBe(false);
    expect((await database.db.message.findUniqueOrThrow({ where: { id: m.id } })).status).toBe("read");
  });

  it("ignores unknown ids, other channels and inbound messages", async () => {
    expect(await updateOutboundStatus(database.db, channelId, "wamid.unknown", "delivered")).toBe(false);
    await reply("wamid.HBgLOTHER");
    const other = await database.db.channel.findFirstOrThrow({ where: { kind: "instagram" } });
    expect(await updateOutboundStatus(database.db, other.id, "wamid.HBgLOTHER", "delivered")).toBe(false);
  });
});
