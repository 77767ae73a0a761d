import { InputError } from "../../../../domain/errors.js";
import type { PageCursor } from "../../../../ports/admin/page-cursor.js";
import { decodeCursor } from "../../../../app/admin/page-cursor.js";

/** The decoded ?cursor=, or a 400 naming it. */
export function pageCursor(cursor: string | undefined): PageCursor | undefined {
  if (cursor === undefined) return undefined;
  const decoded = decodeCursor(cursor);
  if (!decoded) throw new InputError("INVALID_REQUEST", "query.cursor: not a cursor from a previous page (use nextCursor as it was returned)");
  return decoded;
}
