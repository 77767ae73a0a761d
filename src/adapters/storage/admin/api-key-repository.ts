import type { ApiKeyRecord, ApiKeyStore } from "../../../ports/admin/api-key-store.js";
import { UnavailableError } from "../../../domain/errors.js";
import type { Db } from "../create-db.js";
import { isDatabaseUnreachable } from "../db-unavailable.js";

// The ApiKey table is not in the generated client yet: these are the only raw queries for it.
// Once the model is in prisma/schema.prisma, this file becomes db.apiKey.* calls and nothing else changes.

const COLUMNS = `"id", "businessId", "name", "secretHash", "createdAt", "lastUsedAt", "revokedAt"`;

interface Row {
  id: string;
  businessId: string | null;
  name: string;
  secretHash: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export class ApiKeyRepository implements ApiKeyStore {
  constructor(private readonly db: Db) {}

  insert(key: Omit<ApiKeyRecord, "lastUsedAt" | "revokedAt">): Promise<void> {
    return raw(async () => {
      await this.db.$executeRaw`
        insert into "ApiKey" ("id", "businessId", "name", "secretHash", "createdAt")
        values (${key.id}::uuid, ${key.businessId}::uuid, ${key.name}, ${key.secretHash}, ${key.createdAt})`;
    });
  }

  findById(id: string): Promise<ApiKeyRecord | null> {
    return raw(async () => {
      const rows = await this.db.$queryRawUnsafe<Row[]>(`select ${COLUMNS} from "ApiKey" where "id" = $1::uuid`, id);
      return rows[0] ?? null;
    });
  }

  list(businessId?: string | null): Promise<ApiKeyRecord[]> {
    return raw(() => {
      if (businessId === undefined) return this.db.$queryRawUnsafe<Row[]>(`select ${COLUMNS} from "ApiKey" order by "createdAt", "id"`);
      if (businessId === null)
        return this.db.$queryRawUnsafe<Row[]>(`select ${COLUMNS} from "ApiKey" where "businessId" is null order by "createdAt", "id"`);
      return this.db.$queryRawUnsafe<Row[]>(`select ${COLUMNS} from "ApiKey" where "businessId" = $1::uuid order by "createdAt", "id"`, businessId);
    });
  }

  revoke(id: string, at: Date): Promise<ApiKeyRecord | null> {
    return raw(async () => {
      await this.db.$executeRaw`update "ApiKey" set "revokedAt" = ${at} where "id" = ${id}::uuid and "revokedAt" is null`;
      return this.findById(id);
    });
  }

  touch(id: string, at: Date): Promise<void> {
    return raw(async () => {
      await this.db.$executeRaw`update "ApiKey" set "lastUsedAt" = ${at} where "id" = ${id}::uuid`;
    });
  }
}

/**
 * Raw queries report "cannot connect" as P2010 with the driver adapter's error in meta, which
 * isDatabaseUnreachable does not look at; both become UnavailableError (503) here.
 */
async function raw<T>(query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    const kind = (error as { meta?: { driverAdapterError?: { cause?: { kind?: unknown } } } }).meta?.driverAdapterError?.cause?.kind;
    if (isDatabaseUnreachable(error) || kind === "DatabaseNotReachable" || kind === "ConnectionClosed" || kind === "SocketTimeout") {
      throw new UnavailableError("DATABASE_UNAVAILABLE", "the database is unreachable; retry later", { cause: error });
    }
    throw error;
  }
}
