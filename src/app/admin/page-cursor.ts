import type { PageCursor } from "../../ports/admin/page-cursor.js";

/** Opaque pagination cursor: base64url of [ISO time, id] of the last item of the previous page. */
export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.at.toISOString(), cursor.id]), "utf8").toString("base64url");
}

/** The cursor, or null when it was not made by encodeCursor. */
export function decodeCursor(text: string): PageCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [at, id] = value as unknown[];
    if (typeof at !== "string" || typeof id !== "string") return null;
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
    const date = new Date(at);
    return Number.isNaN(date.getTime()) ? null : { at: date, id };
  } catch {
    return null;
  }
}

/** Cuts a list fetched with limit+1 rows into a page and the next page's cursor. */
export function toPage<T>(rows: T[], limit: number, cursorOf: (row: T) => PageCursor): { items: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: encodeCursor(cursorOf(items[items.length - 1]!)) };
}
