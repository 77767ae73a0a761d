import type pg from "pg";
import { convertLegacyVersions, type LegacyVersion } from "../../domain/personas/convert-legacy-persona.js";

export interface PersonaConversionReport {
  /** Versions converted to settings + voice, with how. */
  readonly converted: readonly { readonly versionId: string; readonly persona: string; readonly version: number; readonly how: string }[];
  /** Versions that could not be converted: kept as drafts that are never used; deactivated if they were live. */
  readonly drafts: readonly {
    readonly versionId: string;
    readonly persona: string;
    readonly version: number;
    readonly reason: string;
    readonly wasActive: boolean;
  }[];
}

interface Row {
  id: string;
  version: number;
  settings: unknown;
  legacyText: string | null;
  voice: string | null;
  personaId: string;
  personaName: string;
  businessName: string;
  activeVersionId: string | null;
}

/**
 * Converts every stored persona version still in the old single-text format (run after each
 * migration; a no-op once none is left). One transaction per persona; a version that cannot be
 * converted becomes a draft with its reason and is taken off the air, never left live without rules.
 */
export async function convertLegacyPersonas(client: pg.Client): Promise<PersonaConversionReport> {
  const { rows } = await client.query<Row>(`
    select v.id, v.version, v.settings, v."legacyText", v.voice, v."personaId",
      p.name as "personaName", b.name as "businessName", p."activeVersionId"
    from "PersonaVersion" v
    join "Persona" p on p.id = v."personaId"
    join "Business" b on b.id = p."businessId"
    where v."personaId" in (select "personaId" from "PersonaVersion" where voice is null and "draftReason" is null)
    order by v."personaId", v.version`);
  const byPersona = new Map<string, Row[]>();
  for (const row of rows) byPersona.set(row.personaId, [...(byPersona.get(row.personaId) ?? []), row]);
  const converted: PersonaConversionReport["converted"][number][] = [];
  const drafts: PersonaConversionReport["drafts"][number][] = [];
  for (const versions of byPersona.values()) {
    const first = versions[0]!;
    const legacy: LegacyVersion[] = versions.map((r) => ({
      id: r.id,
      version: r.version,
      settings: r.settings,
      legacyText: r.legacyText,
      voice: r.voice,
    }));
    const results = convertLegacyVersions(legacy, { persona: first.personaName, business: first.businessName });
    await client.query("begin");
    try {
      for (const r of results) {
        if (r.ok) {
          await client.query(
            `update "PersonaVersion" set settings = $2, voice = $3, origin = $4, "legacyText" = null where id = $1 and voice is null`,
            [r.id, JSON.stringify(r.persona.settings), r.persona.voice, JSON.stringify(r.origin)],
          );
          converted.push({ versionId: r.id, persona: first.personaName, version: r.version, how: r.how });
        } else {
          await client.query(`update "PersonaVersion" set "draftReason" = $2, origin = $3 where id = $1 and voice is null`, [
            r.id,
            r.reason,
            JSON.stringify(r.origin),
          ]);
          const wasActive = first.activeVersionId === r.id;
          if (wasActive)
            await client.query(`update "Persona" set "activeVersionId" = null where id = $1 and "activeVersionId" = $2`, [first.personaId, r.id]);
          drafts.push({ versionId: r.id, persona: first.personaName, version: r.version, reason: r.reason, wasActive });
        }
      }
      await client.query("commit");
    } catch (error) {
      await client.query("rollback");
      throw error;
    }
  }
  return { converted, drafts };
}
