import { createHash } from "node:crypto";
import type { Persona } from "./persona-schema.js";

/**
 * The fingerprint of a persona as a file gives it: `seed` and the demo add a version only when no
 * version of the persona has this one (an unchanged file leaves console edits live). Object keys
 * are sorted first: versions stored before the upgrade went through jsonb, which sorts them.
 */
export function personaFileHash(persona: Persona): string {
  return createHash("sha256")
    .update(JSON.stringify([sorted(persona.settings), persona.voice]))
    .digest("hex");
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
  );
}
