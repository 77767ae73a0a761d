import type { PersonaRecord, PersonaStore, PersonaVersionRecord, VersionOrigin } from "../../../ports/admin/persona-store.js";
import { InputError } from "../../../domain/errors.js";
import type { Persona } from "../../../domain/personas/persona-schema.js";
import { validatePersona } from "../../../domain/personas/validate-persona.js";
import type { Db } from "../create-db.js";
import { isUniqueViolation } from "../unique-violation.js";

const versionSelect = {
  id: true,
  personaId: true,
  version: true,
  settings: true,
  voice: true,
  draftReason: true,
  legacyText: true,
  origin: true,
  createdAt: true,
} as const;
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

type VersionRow = {
  id: string;
  personaId: string;
  version: number;
  settings: unknown;
  voice: string | null;
  draftReason: string | null;
  legacyText: string | null;
  origin: unknown;
  createdAt: Date;
};
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

/** Every persona version is written whole (settings + voice, already validated) and validated again on read. */
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

  async create(
    businessId: string,
    input: { name: string; template: string | null; persona: Persona; origin: VersionOrigin },
  ): Promise<PersonaRecord> {
    try {
      const id = await this.db.$transaction(async (tx) => {
        const persona = await tx.persona.create({ data: { businessId, name: input.name, template: input.template }, select: { id: true } });
        const version = await tx.personaVersion.create({
          data: { personaId: persona.id, version: 1, ...columns(input.persona, input.origin) },
          select: { id: true },
        });
        await tx.persona.update({ where: { id: persona.id }, data: { activeVersionId: version.id } });
        return persona.id;
      });
      return (await this.get(businessId, id))!;
    } catch (error) {
      if (isUniqueViolation(error))
        throw new InputError("PERSONA_NAME_TAKEN", "this business already has a persona with this name", 409, { field: "name" });
      throw error;
    }
  }

  async listVersions(businessId: string, personaId: string): Promise<PersonaVersionRecord[] | null> {
    const persona = await this.db.persona.findFirst({ where: { id: personaId, businessId }, select: { activeVersionId: true } });
    if (!persona) return null;
    const rows = await this.db.personaVersion.findMany({ where: { personaId }, orderBy: { version: "desc" }, select: versionSelect });
    return rows.map((r) => toVersion(r, persona.activeVersionId));
  }

  async getVersion(businessId: string, personaId: string, version: number): Promise<PersonaVersionRecord | null> {
    const row = await this.db.personaVersion.findFirst({
      where: { personaId, version, persona: { businessId } },
      select: { ...versionSelect, persona: { select: { activeVersionId: true } } },
    });
    return row ? toVersion(row, row.persona.activeVersionId) : null;
  }

  async addVersion(
    businessId: string,
    personaId: string,
    input: { persona: Persona; origin: VersionOrigin; activate: boolean; expectedActive?: string | null },
  ): Promise<PersonaVersionRecord | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.$transaction(async (tx) => {
          // Row lock: concurrent edits of one persona take their version numbers one after another.
          const locked = await tx.$queryRaw<Array<{ activeVersionId: string | null }>>`
            select "activeVersionId" from "Persona" where id = ${personaId}::uuid and "businessId" = ${businessId}::uuid for update`;
          if (locked.length === 0) return null;
          if (input.expectedActive !== undefined && locked[0]!.activeVersionId !== input.expectedActive) {
            throw new InputError("CONCURRENT_EDIT", "someone else changed the live version meanwhile; reload and check your edit again", 409);
          }
          const latest = await tx.personaVersion.findFirst({ where: { personaId }, orderBy: { version: "desc" }, select: { version: true } });
          const created = await tx.personaVersion.create({
            data: { personaId, version: (latest?.version ?? 0) + 1, ...columns(input.persona, input.origin) },
            select: versionSelect,
          });
          if (input.activate) await tx.persona.update({ where: { id: personaId }, data: { activeVersionId: created.id } });
          return toVersion(created, input.activate ? created.id : locked[0]!.activeVersionId);
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
    const record = toVersion(row, row.id);
    // Only a version that reads back valid goes live: a draft or broken one would run without rules.
    if (!record.persona) throw new InputError("PERSONA_UNUSABLE", `version ${version} cannot be used: ${record.unusable!.reason}`, 422);
    await this.db.persona.update({ where: { id: personaId }, data: { activeVersionId: row.id } });
    return record;
  }
}

function columns(persona: Persona, origin: VersionOrigin) {
  return { settings: persona.settings, voice: persona.voice, origin };
}

function toVersion(row: VersionRow, activeVersionId: string | null): PersonaVersionRecord {
  const origin = typeof row.origin === "object" && row.origin !== null ? (row.origin as Record<string, unknown>) : {};
  const base = {
    id: row.id,
    personaId: row.personaId,
    version: row.version,
    createdAt: row.createdAt,
    active: row.id === activeVersionId,
    rolledBackFrom: typeof origin.rolledBackFrom === "number" ? origin.rolledBackFrom : null,
  };
  if (row.draftReason !== null || row.voice === null) {
    const reason = row.draftReason ?? "it is in the old text-only format and was not converted";
    return { ...base, persona: null, unusable: { reason, text: row.legacyText ?? row.voice ?? "" } };
  }
  const checked = validatePersona({ settings: row.settings, voice: row.voice });
  if (!checked.ok) {
    const reason = `its settings are not valid: ${checked.problems
      .slice(0, 5)
      .map((p) => `${p.field}: ${p.message}`)
      .join("; ")}`;
    return { ...base, persona: null, unusable: { reason, text: row.voice } };
  }
  return { ...base, persona: checked.persona, unusable: null };
}

function toPersona(row: PersonaRow): PersonaRecord {
  return {
    id: row.id,
    businessId: row.businessId,
    name: row.name,
    template: row.template,
    createdAt: row.createdAt,
    activeVersion: row.activeVersion ? toVersion(row.activeVersion, row.activeVersionId) : null,
    versionCount: row._count.versions,
  };
}
