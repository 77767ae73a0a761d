import { mergeVs, VS_NOTE, type VsLlamaServer } from "./vs-llama-server.js";

/**
 * --merge: the figures of this run's sections replace theirs in the file's; the file's own run
 * stays described at the top, this one under `mergedRuns`. vsLlamaServer is merged entry by entry:
 * the sections this run measured replace their entries, the others' stay.
 */
export function mergeResults(previous: Record<string, unknown>, run: Record<string, unknown>): Record<string, unknown> {
  const { command, startedAt, quick, sections, machine, targets, cpu, durationSec, ...figures } = run;
  const earlier = Array.isArray(previous.mergedRuns) ? previous.mergedRuns : [];
  // Sections 1 and 2 come from the same conversations.
  const runSections = (sections as number[]).flatMap((s) => (s === 1 || s === 2 ? [1, 2] : [s]));
  const vs =
    figures.vsLlamaServer || previous.vsLlamaServer
      ? {
          vsLlamaServer: mergeVs(
            previous.vsLlamaServer,
            (figures.vsLlamaServer as VsLlamaServer | undefined) ?? { note: VS_NOTE, peerSettings: {}, entries: {} },
            runSections,
          ),
        }
      : {};
  return { ...previous, ...figures, ...vs, mergedRuns: [...earlier, { command, startedAt, quick, sections, machine, targets, cpu, durationSec }] };
}
