import type { PersonaRecord, PersonaStore, PersonaVersionRecord, VersionOrigin } from "../admin/admin-store.js";
import { InputError } from "../domain/errors.js";
import type { Db } from "./create-db.js";
import { isUniqueViolation } from "./unique-violation.js";

const versionSelect = { id: true, personaId: true, version: true, systemPrompt: true, createdAt: true } as const;
const personaSelect = {
  id: true,
  businessId: true,
  name: true,
  template: true,
  createdAt: true,
  activeVersionId: true,
  activeVersion: { select: versionSelect },
  _count: { select: { versions: true } },
} as const;

type VersionRow = { id: string; personaId: string; version: number; systemPrompt: string; createdAt: Date };
type PersonaRow = {
  id: string;
  businessId: string;
  name: string;
  template: string | null;
  createdAt: Date;
  activeVersionId: string | null;
  activeVersion: VersionRow | null;
  _count: { versions: number };
};

/** Attempts at appending a version when concurrent edits race for the same version number. */
const VERSION_ATTEMPTS = 5;

export class AdminPersonaRepository implements PersonaStore {
  constructor(private readonly db: Db) {}

  async list(businessId: string): Promise<PersonaRecord[]> {
    const rows = await this.db.persona.findMany({ where: { businessId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], select: personaSelect });
    return rows.map(toPersona);
  }

  async get(businessId: string, personaId: string): Promise<PersonaRecord | null> {
    const row = await this.db.persona.findFirst({ where: { id: personaId, businessId }, select: personaSelect });
    return row ? toPersona(row) : null;
  }

  async create(businessId: string, input: { name: string; template: string | null; systemPrompt: string; origin: VersionOrigin }): Promise<PersonaRecord> {
    try {
      const id = await this.db.$transaction(async (tx) => {
        const persona = await tx.persona.create({ data: { businessId, name: input.name, template: input.template }, select: { id: true } });
        const version = await tx.personaVersion.create({
          data: { personaId: persona.id, version: 1, systemPrompt: input.systemPrompt, settings: { ...input.origin } },
          select: { id: true },
        });
        await tx.persona.update({ where: { id: persona.id }, data: { activeVersionId: version.id } });
        return persona.id;
      });
      return (await this.get(businessId, id))!;
    } catch (error) {
      if (isUniqueViolation(error)) throw new InputError("PERSONA_NAME_TAKEN", "body.name: this business already has a persona with this name", 409);
      throw error;
    }
  }

  async listVersions(businessId: string, personaId: string): Promise<PersonaVersionRecord[] | null> {
    const persona = await this.db.persona.findFirst({ where: { id: personaId, businessId }, select: { activeVersionId: true } });
    if (!persona) return null;
    const rows = await this.db.personaVersion.findMany({ where: { personaId }, orderBy: { version: "desc" }, select: versionSelect });
    return rows.map((r) => ({ ...r, active: r.id === persona.activeVersionId }));
  }

  async getVersion(businessId: string, personaId: string, version: number): Promise<PersonaVersionRecord | null> {
    const row = await this.db.personaVersion.findFirst({
      where: { personaId, version, persona: { businessId } },
      select: { ...versionSelect, persona: { select: { activeVersionId: true } } },
    });
    if (!row) return null;
    const { persona, ...rest } = row;
    return { ...rest, active: persona.activeVersionId === row.id };
  }

  async addVersion(businessId: string, personaId: string, input: { systemPrompt: string; origin: VersionOrigin; activate: boolean }): Promise<PersonaVersionRecord | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.$transaction(async (tx) => {
          // Row lock: concurrent edits of one persona take their version numbers one after another.
          const locked = await tx.$queryRaw<Array<{ id: string }>>`select id from "Persona" where id = ${personaId}::uuid and "businessId" = ${businessId}::uuid for update`;
          if (locked.length === 0) return null;
          const latest = await tx.personaVersion.findFirst({ where: { personaId }, orderBy: { version: "desc" }, select: { version: true } });
          const created = await tx.personaVersion.create({
            data: { personaId, version: (latest?.version ?? 0) + 1, systemPrompt: input.systemPrompt, settings: { ...input.origin } },
            select: versionSelect,
          });
          if (input.activate) await tx.persona.update({ where: { id: personaId }, data: { activeVersionId: created.id } });
          return { ...created, active: input.activate };
        });
      } catch (error) {
        if (!isUniqueViolation(error) || attempt >= VERSION_ATTEMPTS) {
          if (isUniqueViolation(error)) throw new InputError("CONCURRENT_EDIT", "the persona was edited concurrently; retry", 409);
          throw error;
        }
      }
    }
  }

  async activate(businessId: string, personaId: string, version: number): Promise<PersonaVersionRecord | null> {
    const row = await this.db.personaVersion.findFirst({ where: { personaId, version, persona: { businessId } }, select: versionSelect });
    if (!row) return null;
    await this.db.persona.update({ where: { id: personaId }, data: { activeVersionId: row.id } });
    return { ...row, active: true };
  }
}

function toPersona(row: PersonaRow): PersonaRecord {
  return {
    id: row.id,
    businessId: row.businessId,
    name: row.name,
    template: row.template,
    createdAt: row.createdAt,
    activeVersion: row.activeVersion ? { ...row.activeVersion, active: true } : null,
    versionCount: row._count.versions,
  };
}
