import type { Db } from "../../src/adapters/storage/create-db.js";

export const WA_PHONE_NUMBER_ID = "106540352242922";
export const IG_ACCOUNT_ID = "17841405822304914";

/** A business with a WhatsApp Cloud API channel and an Instagram channel, inserted directly. */
export async function seedMetaChannels(db: Db): Promise<{ businessId: string; whatsappChannelId: string; instagramChannelId: string }> {
  const business = await db.business.create({ data: { slug: `meta-${Date.now()}`, name: "Sunrise Bakery" }, select: { id: true } });
  const wa = await db.channel.create({
    data: { businessId: business.id, kind: "whatsapp_cloud", platformAccountId: WA_PHONE_NUMBER_ID, name: "WhatsApp", credentialsRef: "cred-1" },
    select: { id: true },
  });
  const ig = await db.channel.create({
    data: { businessId: business.id, kind: "instagram", platformAccountId: IG_ACCOUNT_ID, name: "Instagram", credentialsRef: "cred-1" },
    select: { id: true },
  });
  return { businessId: business.id, whatsappChannelId: wa.id, instagramChannelId: ig.id };
}
