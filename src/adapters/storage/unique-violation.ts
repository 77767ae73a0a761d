/** True when a write failed on a unique constraint (Prisma P2002, or PostgreSQL 23505 underneath). */
export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === "P2002" || code === "23505") return true;
  }
  return false;
}
