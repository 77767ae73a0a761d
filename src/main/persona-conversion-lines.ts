import type { PersonaConversionReport } from "../adapters/storage/convert-legacy-personas.js";

/** What a migration did to stored personas, for the person running it; nothing when it did nothing. */
export function personaConversionLines(report: PersonaConversionReport): string[] {
  const lines = report.converted.map((c) => `persona "${c.persona}" version ${c.version}: converted (${c.how})`);
  for (const d of report.drafts) {
    lines.push(
      `persona "${d.persona}" version ${d.version}: NOT converted, kept as a draft that is never used: ${d.reason}` +
        (d.wasActive
          ? ". It was live: the persona has no live version now, so its conversations are handed to a person until you save or activate a version in the console."
          : ""),
    );
  }
  return lines;
}
