// Persona files (markdown: the settings as front matter, then the voice): download a version, import one into the form.
import { api, apiError, type Reply } from "./api.js";
import { clear, h } from "./dom.js";

const MAX_FILE_CHARS = 200_000;

/** Downloads a version as its persona file, e.g. rosa-v3.md. */
export type ParsedFile = Reply<"postBusinessesByBusinessIdPersonasParseFile">;

export async function downloadVersion(personaUrl: string, version: number): Promise<void> {
  const { fileName, markdown } = await api<Reply<"getBusinessesByBusinessIdPersonasByPersonaIdVersionsByVersionFile">>(
    `${personaUrl}/versions/${version}/file`,
  );
  const url = URL.createObjectURL(new Blob([markdown], { type: "text/markdown;charset=utf-8" }));
  const link = h("a", { href: url, download: fileName, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The "File" section: download the live version; import a file into the form (nothing is saved
 * until the owner saves). onImported(persona, fileName, {tokens, limit}).
 */
export function fileSection({
  base,
  personaUrl,
  liveVersion,
  onImported,
}: {
  base: string;
  personaUrl: () => string;
  liveVersion: () => number | undefined;
  onImported: (persona: ParsedFile["persona"], fileName: string, read: ParsedFile) => void;
}): { el: HTMLElement; setLive(version: number | undefined): void } {
  const status = h("p", { id: "file-status", class: "status", role: "status" });
  const problems = h("div", { id: "import-problems", class: "error-box", role: "alert", hidden: true });
  const download = h("button", { id: "export-live", type: "button", class: "secondary" }, "Download the live version (.md)");
  const picker = h("input", { id: "import-file", type: "file", accept: ".md,.markdown,.txt,text/markdown,text/plain", class: "file-input" });
  const pick = h("label", { for: "import-file", class: "button-like secondary" }, "Import a file into the form…");

  download.addEventListener("click", async () => {
    problems.hidden = true;
    try {
      const version = liveVersion();
      if (version === undefined) return;
      await downloadVersion(personaUrl(), version);
      status.textContent = "Downloaded.";
    } catch (thrown) {
      const error = apiError(thrown);
      showProblem(`Could not download it. ${error.message}`);
    }
  });

  picker.addEventListener("change", async () => {
    const file = picker.files?.[0];
    picker.value = "";
    if (!file) return;
    problems.hidden = true;
    status.textContent = `Reading ${file.name}…`;
    try {
      const markdown = await file.text();
      if (markdown.length > MAX_FILE_CHARS) throw new Error(`${file.name} is too big for a persona file (at most 200,000 characters).`);
      const read = await api<ParsedFile>(`${base}/personas/parse-file`, { method: "POST", body: { markdown } });
      status.textContent = "";
      onImported(read.persona, file.name, read);
    } catch (thrown) {
      const error = apiError(thrown);
      status.textContent = "";
      if (error.code === "PERSONA_INVALID" && Array.isArray(error.details.problems)) {
        problems.hidden = false;
        clear(
          problems,
          h("strong", {}, `${file.name} cannot be used. Fix these lines in the file and import it again:`),
          h(
            "ul",
            { class: "problem-list" },
            (error.details.problems ?? []).map((p) => h("li", {}, h("span", { class: "line" }, `Line ${p.line}`), ` · ${p.field}: ${p.message}`)),
          ),
        );
      } else {
        showProblem(`Could not import ${file.name}. ${error.message}`);
      }
    }
  });

  function showProblem(text: string): void {
    problems.hidden = false;
    clear(problems, text);
  }

  return {
    el: h(
      "section",
      { class: "file-tools", "aria-labelledby": "file-title" },
      h("h3", { id: "file-title" }, "Persona file"),
      h(
        "p",
        { class: "hint" },
        "A persona file is a text file: the settings at the top, the voice below. Keep a copy, edit it elsewhere, or import one made for another business. An import only fills the form: check it, then save.",
      ),
      h("div", { class: "actions" }, download, picker, pick),
      status,
      problems,
    ),
    setLive(version) {
      download.disabled = version === undefined;
    },
  };
}
