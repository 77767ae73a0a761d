// Writes that fail because the row they belong to was deleted meanwhile (a contact's erasure).

function hasCode(error: unknown, codes: readonly string[]): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && codes.includes(code)) return true;
    const kind = (e as { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } }).meta?.driverAdapterError?.cause?.originalCode;
    if (typeof kind === "string" && codes.includes(kind)) return true;
  }
  return false;
}

/** An insert whose parent row is gone (Prisma P2003, PostgreSQL 23503). */
export const isForeignKeyViolation = (error: unknown) => hasCode(error, ["P2003", "23503"]);

/** An update or delete of a row that does not exist (Prisma P2025). */
export const isRecordNotFound = (error: unknown) => hasCode(error, ["P2025"]);
