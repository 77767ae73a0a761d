import type { BusinessSettings } from "../../domain/business-settings.js";
import { personaFileHash } from "../../domain/personas/persona-hash.js";
import type { PersonaTemplate } from "../../domain/personas/persona-templates.js";
import type { Db } from "./create-db.js";

export interface SeededBusiness {
  readonly businessId: string;
  readonly businessSlug: string;
  readonly channelKey: string;
  readonly personaVersion: number;
}

/**
 * Idempotently creates a business with a web chat channel and a persona whose first version comes
 * from a persona file (already validated). A file that changed on disk becomes a new, active
 * version; versions edited in the console stay active while the file is unchanged. `settings`, when
 * given, replace the business's settings (the rest take their defaults).
 */
export async function seedBusiness(
  db: Db,
  { template, persona }: PersonaTemplate,
  slug: string,
  settings?: Partial<BusinessSettings>,
): Promise<SeededBusiness> {
  const { name, business: businessName } = persona.settings;
  return db.$transaction(async (tx) => {
    const business = await tx.business.upsert({
      where: { slug },
      create: { slug, name: businessName, ...(settings ? { settings } : {}) },
      update: settings ? { settings } : {},
      select: { id: true },
    });
    const row = await tx.persona.upsert({
      where: { businessId_name: { businessId: business.id, name } },
      create: { businessId: business.id, name, template },
      update: {},
      select: { id: true },
    });
    const fileHash = personaFileHash(persona);
    const fromFile = await tx.personaVersion.findFirst({
      where: { personaId: row.id, origin: { path: ["fileHash"], equals: fileHash } },
      select: { version: true },
    });
    let version = fromFile?.version;
    if (version === undefined) {
      const latest = await tx.personaVersion.findFirst({ where: { personaId: row.id }, orderBy: { version: "desc" }, select: { version: true } });
      version = (latest?.version ?? 0) + 1;
      const created = await tx.personaVersion.create({
        data: { personaId: row.id, version, settings: persona.settings, voice: persona.voice, origin: { source: "file", template, fileHash } },
        select: { id: true },
      });
      await tx.persona.update({ where: { id: row.id }, data: { activeVersionId: created.id } });
    }
    const channelKey = slug;
    await tx.channel.upsert({
      where: { kind_platformAccountId: { kind: "webchat", platformAccountId: channelKey } },
      create: { businessId: business.id, kind: "webchat", platformAccountId: channelKey, name: "Web chat", personaId: row.id },
      update: { personaId: row.id },
    });
    return { businessId: business.id, businessSlug: slug, channelKey, personaVersion: version };
  });
}
