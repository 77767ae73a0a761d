import type { Persona } from "../../domain/personas/persona-schema.js";

export interface PersonaVersionRecord {
  readonly id: string;
  readonly personaId: string;
  readonly version: number;
  readonly createdAt: Date;
  readonly active: boolean;
  /** The whole persona, validated as read; null when this version cannot be used (see `unusable`). */
  readonly persona: Persona | null;
  /** Why this version cannot be used (a draft kept from the old format, invalid settings), with its text for the owner. */
  readonly unusable: { readonly reason: string; readonly text: string } | null;
  /** The version this one copies, when it came from a rollback. */
  readonly rolledBackFrom: number | null;
}

export interface PersonaRecord {
  readonly id: string;
  readonly businessId: string;
  readonly name: string;
  readonly template: string | null;
  readonly createdAt: Date;
  readonly activeVersion: PersonaVersionRecord | null;
  readonly versionCount: number;
}

/** Written into PersonaVersion.origin: where a version came from. */
export type VersionOrigin = { readonly source: "admin-api"; readonly apiKeyId: string; readonly rolledBackFrom?: number };

export interface PersonaStore {
  list(businessId: string): Promise<PersonaRecord[]>;
  get(businessId: string, personaId: string): Promise<PersonaRecord | null>;
  /** A persona with version 1, active. Throws a 409 InputError when the name is taken. */
  create(businessId: string, input: { name: string; template: string | null; persona: Persona; origin: VersionOrigin }): Promise<PersonaRecord>;
  /** Newest first; null when the persona does not exist in this business. */
  listVersions(businessId: string, personaId: string): Promise<PersonaVersionRecord[] | null>;
  getVersion(businessId: string, personaId: string, version: number): Promise<PersonaVersionRecord | null>;
  /**
   * Appends version max+1 (optionally activating it); null when the persona does not exist here.
   * `expectedActive`: the version id the caller checked the edit against; when another edit made a
   * different version live meanwhile, throws a 409 InputError instead (its checks would be stale).
   */
  addVersion(
    businessId: string,
    personaId: string,
    input: { persona: Persona; origin: VersionOrigin; activate: boolean; expectedActive?: string | null },
  ): Promise<PersonaVersionRecord | null>;
  /** Makes a usable version live; null when it does not exist here. */
  activate(businessId: string, personaId: string, version: number): Promise<PersonaVersionRecord | null>;
}
