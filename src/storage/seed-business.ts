import { createHash } from "node:crypto";
import type { PersonaDefinition } from "../domain/persona.js";
import type { Db } from "./create-db.js";

export interface SeededBusiness {
  readonly businessId: string;
  readonly businessSlug: string;
  readonly channelKey: string;
  readonly personaVersion: number;
}

/**
 * Idempotently creates a business with a web chat channel and a persona whose first version comes
 * from a prompts/ template. A template that changed on disk becomes a new, active version; versions
 * edited in the database stay active while the file is unchanged.
 */
export async function seedBusiness(db: Db, persona: PersonaDefinition, slug: string): Promise<SeededBusiness> {
  return db.$transaction(async (tx) => {
    const business = await tx.business.upsert({ where: { slug }, create: { slug, name: persona.meta.business }, update: {}, select: { id: true } });
    const row = await tx.persona.upsert({
      where: { businessId_name: { businessId: business.id, name: persona.meta.name } },
      create: { businessId: business.id, name: persona.meta.name, template: persona.template },
      update: {},
      select: { id: true },
    });
    const fileHash = createHash("sha256").update(JSON.stringify([persona.meta, persona.systemPrompt, persona.v2 ?? null])).digest("hex");
    const fromFile = await tx.personaVersion.findFirst({
      where: { personaId: row.id, settings: { path: ["fileHash"], equals: fileHash } },
      select: { version: true },
    });
    let version = fromFile?.version;
    if (version === undefined) {
      const latest = await tx.personaVersion.findFirst({ where: { personaId: row.id }, orderBy: { version: "desc" }, select: { version: true } });
      version = (latest?.version ?? 0) + 1;
      const created = await tx.personaVersion.create({
        data: {
          personaId: row.id,
          version,
          systemPrompt: persona.systemPrompt,
          settings: { fileHash, meta: persona.meta, ...(persona.v2 ? { v2: JSON.parse(JSON.stringify(persona.v2)) } : {}) },
        },
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
