import type { PersonaCheckReport } from "./run-persona-checks.js";

const COLUMNS = [
  { title: "conversation", width: 24 },
  { title: "#", width: 2 },
  { title: "said", width: 34 },
  { title: "outcome", width: 36 },
  { title: "check", width: 24 },
  { title: "result", width: 6 },
] as const;

/** The report as a plain-text table, one row per expectation, with a summary line. */
export function formatCheckTable(report: PersonaCheckReport): string {
  const cell = (text: string, width: number) => {
    const flat = text.replace(/\s+/g, " ");
    return (flat.length > width ? `${flat.slice(0, width - 1)}…` : flat).padEnd(width);
  };
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => cell(c, COLUMNS[i]!.width))
      .join(" | ")
      .trimEnd();
  const out = [
    `${report.template} (${report.persona.settings.kind}): system prompt ${report.systemPromptTokens} of ${report.budget} tokens; checks from ${report.checksFile}`,
    "",
    line(COLUMNS.map((c) => c.title)),
    COLUMNS.map((c) => "-".repeat(c.width)).join("-+-"),
  ];
  for (const r of report.rows) {
    out.push(line([r.conversation, String(r.step), r.said, r.outcome, r.expectation, r.passed ? "PASS" : "FAIL"]));
    if (!r.passed) out.push(`    ^ ${r.detail}`);
  }
  const passed = report.rows.length - report.failed;
  out.push("", report.failed === 0 ? `All ${passed} checks passed.` : `${report.failed} of ${report.rows.length} checks FAILED.`);
  return out.join("\n");
}
