// The persona editor: the whole persona as a form; every save is a new version, checked by the admin API.
import { type ApiError, api, apiError, type LiveVersion, type PersonaDetail, type PersonaSummary, type Reply } from "./api.js";
import { clear, errorBox, h, loading } from "./dom.js";
import { sendConfirmed } from "./persona-confirm.js";
import { ask, weakeningList } from "./persona-dialog.js";
import { fileSection } from "./persona-files.js";
import type { ParsedFile } from "./persona-files.js";
import { personaForm } from "./persona-form.js";
import { blankValues, type FormProblem, type FormValues, missingFields, personaOf, sameValues, valuesOf, type Where } from "./persona-model.js";
import { formProblems, renderSummary, tooLongProblem } from "./persona-problems.js";
import { dayAndTime, type UsableVersion, type VersionItem, versionsSection } from "./persona-versions.js";

const number = new Intl.NumberFormat();

// Unsaved edits per persona ({values, baseVersion}), kept while the tab is signed in.
const drafts = new Map<string, { values: FormValues; baseVersion: number | undefined }>();
export function forgetDrafts(): void {
  drafts.clear();
}
let dirtyEditor = false;
window.addEventListener("beforeunload", (event) => {
  if (dirtyEditor) event.preventDefault();
});
/** The editor is gone (another section, signed out): nothing unsaved on screen any more. */
export function editorLeft(): void {
  dirtyEditor = false;
}

/** Mounts the editor for one of personas into panel; onSaved(personaId, version, kind) after anything makes a version live. */
export function mountEditor(
  panel: HTMLElement,
  {
    base,
    personas,
    personaId,
    onSaved,
  }: {
    base: string;
    personas: readonly PersonaSummary[];
    personaId: string;
    onSaved: (personaId: string, version: number, kind: string | undefined) => void;
  },
): { destroy(): void } {
  let current: Pick<PersonaSummary, "id" | "name"> = personas.find((p) => p.id === personaId) ?? personas[0]!;
  let live: LiveVersion | null = null; // the live version, whole (or null)
  let liveValues = blankValues(); // the form values of the live version: what "unsaved changes" compares with
  let baseVersion: number | undefined; // the live version the edit started from
  let destroyed = false;
  const personaUrl = () => `${base}/personas/${encodeURIComponent(current.id)}`;

  const picker =
    personas.length > 1
      ? h(
          "select",
          { id: "persona-select", "aria-label": "Persona", onchange: () => load((picker as HTMLSelectElement).value) },
          personas.map((p) => h("option", { value: p.id, selected: p.id === current.id }, p.name)),
        )
      : h("span", { id: "persona-name", class: "persona-name" }, current.name);
  const liveLine = h("p", { id: "live-version", class: "live" });
  const summary = h("div", { id: "persona-problems", class: "error-box", role: "alert", tabindex: "-1", hidden: true });
  const form = personaForm({ onChange: edited });
  const save = h("button", { id: "save-version", type: "button", class: "primary", disabled: true }, "Save as new version");
  const discard = h("button", { id: "discard-edits", type: "button", class: "link-button", hidden: true }, "Discard edits");
  const status = h("span", { id: "save-status", class: "status", role: "status" });
  const why = h("p", { id: "save-why", class: "hint save-why", hidden: true });
  const versions = versionsSection({ makeLive, copy });
  const files = fileSection({ base, personaUrl, liveVersion: () => live?.version, onImported: imported });
  const body = h("div", { class: "editor-body" }, loading("Loading…"));
  const content = [liveLine, summary, form.el, h("div", { class: "save-bar" }, save, discard, status, why), versions.el, files.el];
  clear(panel, h("div", { class: "panel-head" }, h("h2", { id: "persona-title" }, "Persona"), picker), body);

  function dirty() {
    return !live?.persona || !sameValues(form.values(), liveValues);
  }

  /** Save and discard as the form's state says; unsaved edits kept for this persona. True when there are some. */
  function refresh() {
    const changed = !sameValues(form.values(), liveValues);
    dirtyEditor = changed;
    if (changed) drafts.set(current.id, { values: form.values(), baseVersion });
    else drafts.delete(current.id);
    // Nothing to save, or something a save needs is empty: the button says so by being off, the hint says what.
    const missing = missingFields(form.values());
    save.disabled = !dirty() || missing.length > 0;
    why.hidden = missing.length === 0;
    why.textContent = missing.length ? `To save, fill in: ${missing.join(", ")}.` : "";
    discard.hidden = !changed || !live?.persona;
    return changed;
  }

  function edited() {
    status.textContent = refresh() ? "Unsaved changes" : "";
  }

  function showLive() {
    liveLine.classList.toggle("unusable", Boolean(live && !live.persona));
    if (!live) liveLine.textContent = "No live version: the agent cannot answer with this persona yet. Fill in the form and save.";
    else if (!live.persona)
      liveLine.textContent = `Live now: version ${live.version}, which cannot be used (${live.unusable?.reason}). Every conversation goes to a person until you save a version that works; its old text is in the voice below.`;
    else
      liveLine.textContent = `Live now: version ${live.version} · ${number.format(live.tokens ?? 0)} of ${number.format(live.limit)} tokens · saved ${dayAndTime(live.createdAt)}`;
    files.setLive(live?.version);
  }

  function setLive(version: LiveVersion | null): void {
    live = version;
    liveValues = live?.persona ? valuesOf(live.persona) : blankValues(live?.unusable?.text ?? "");
    baseVersion = live?.version;
    showLive();
  }

  async function load(personaId: string): Promise<void> {
    clear(body, loading("Loading the persona…"));
    try {
      const persona = await api<PersonaDetail>(`${base}/personas/${encodeURIComponent(personaId)}`);
      if (destroyed) return;
      current = persona;
      setLive(persona.activeVersion);
      const draft = drafts.get(persona.id);
      if (draft) baseVersion = draft.baseVersion;
      form.set(draft?.values ?? liveValues);
      status.textContent = draft ? "Unsaved changes" : "";
      hideSummary();
      clear(body, content);
      versions.clearOutput();
      refresh();
      void versions.load(personaUrl());
    } catch (thrown) {
      const error = apiError(thrown);
      if (!destroyed)
        clear(
          body,
          errorBox(`Could not load the persona. ${error.message}`, () => load(personaId)),
        );
    }
  }

  /** A version just went live (saved, rolled back, activated): the form shows it, Try it is told. */
  function wentLive(version: LiveVersion, message: string): void {
    setLive(version);
    drafts.delete(current.id);
    form.set(liveValues);
    hideSummary();
    status.textContent = message;
    refresh();
    onSaved(current.id, version.version, version.persona?.settings.kind);
    void versions.load(personaUrl());
  }

  function hideSummary() {
    summary.hidden = true;
    form.clearMarks();
  }

  function showProblems(problems: readonly FormProblem[]): void {
    form.mark(problems);
    renderSummary(summary, problems, {
      title: `Not saved: ${problems.length === 1 ? "one thing" : `${problems.length} things`} to fix.`,
      focus: form.focus,
    });
    summary.scrollIntoView({ block: "start" });
    summary.focus({ preventScroll: true });
  }

  function showFailure(message: string): void {
    summary.hidden = false;
    clear(summary, h("strong", {}, "Not saved. "), message);
    summary.scrollIntoView({ block: "start" });
  }

  /** Someone else made another version live since this edit started: load it, or keep these edits on top of it. */
  async function concurrent(liveNow: number | undefined): Promise<void> {
    const answer = await ask({
      id: "concurrent-edit",
      title: "Someone else saved meanwhile",
      body: h(
        "p",
        {},
        `Version ${liveNow} was made live while you were editing version ${baseVersion}, so your edit was not saved. Load version ${liveNow} to see it (your unsaved edits are dropped), or keep your edits: saving them then replaces version ${liveNow}.`,
      ),
      actions: [
        { label: `Load version ${liveNow}`, value: "reload", primary: true },
        { label: "Keep my edits", value: "keep" },
      ],
      cancel: "keep",
    });
    if (answer === "reload") {
      drafts.delete(current.id);
      await load(current.id);
      return;
    }
    // The page shows the newer version as live (what "Discard edits" and the versions compare with); the form keeps the edits.
    try {
      const persona = await api<PersonaDetail>(personaUrl());
      if (destroyed) return;
      setLive(persona.activeVersion);
    } catch {
      baseVersion = liveNow;
    }
    refresh();
    void versions.load(personaUrl());
    status.textContent = `Your edits are kept. Saving now replaces version ${baseVersion}.`;
  }

  async function handleError(error: ApiError, where: Where): Promise<void> {
    const { problems, tokens, limit } = error.details;
    if (error.code === "INVALID_REQUEST" && Array.isArray(problems)) showProblems(formProblems(problems, where));
    else if (error.code === "PERSONA_TOO_LONG" && tokens) showProblems([tooLongProblem({ tokens, limit: limit ?? 0 })]);
    else if (error.code === "CONCURRENT_EDIT") await concurrent(error.details.live);
    else showFailure(error.message);
  }

  save.addEventListener("click", async () => {
    hideSummary();
    const { persona, where, problems } = personaOf(form.values());
    if (problems.length > 0) return showProblems(problems);
    save.disabled = true;
    status.textContent = "Saving…";
    try {
      const send = (keys: string[]) =>
        api<Reply<"postBusinessesByBusinessIdPersonasByPersonaIdVersions">>(`${personaUrl()}/versions`, {
          method: "POST",
          body: { persona, confirmWeakenings: keys, ...(baseVersion ? { baseVersion } : {}) },
        });
      const created = await sendConfirmed(send, { verb: "save this", confirm: "Save anyway", cancel: "Keep editing" });
      if (destroyed) return;
      if (!created) status.textContent = "Not saved. Your edits are still in the form.";
      else wentLive(created, `Saved as version ${created.version}. New replies use it now.`);
    } catch (thrown) {
      const error = apiError(thrown);
      if (destroyed) return;
      status.textContent = "";
      await handleError(error, where);
    } finally {
      if (!destroyed) refresh();
    }
  });

  discard.addEventListener("click", () => {
    drafts.delete(current.id);
    baseVersion = live?.version;
    form.set(liveValues);
    hideSummary();
    status.textContent = "";
    refresh();
  });

  /** Makes an existing usable version live: older ones are copied as a new version (roll back), newer ones activated. */
  async function makeLive(v: VersionItem): Promise<void> {
    const liveNow = live?.version;
    const rollback = liveNow === undefined || v.version < liveNow;
    const diff = live?.persona
      ? await api<Reply<"getBusinessesByBusinessIdPersonasByPersonaIdDiff">>(`${personaUrl()}/diff?from=${liveNow}&to=${v.version}`)
      : { weakenings: [] };
    const weakenings = diff.weakenings ?? [];
    const edited = !sameValues(form.values(), liveValues);
    const answer = await ask({
      id: "confirm-live",
      title: rollback ? `Make version ${v.version} live again?` : `Make version ${v.version} live?`,
      body: [
        h(
          "p",
          {},
          rollback
            ? `Its settings and its voice become live, whole, saved as a new version (a copy of version ${v.version}).`
            : `Its settings and its voice replace version ${liveNow}.`,
        ),
        weakenings.length ? [h("p", {}, "The agent will stop doing this:"), weakeningList(weakenings)] : null,
        edited ? h("p", { class: "weakened" }, "Your unsaved edits in the form are dropped.") : null,
      ],
      actions: [
        { label: "Cancel", value: "cancel" },
        {
          label: rollback ? (weakenings.length ? "Roll back anyway" : "Roll back") : weakenings.length ? "Make it live anyway" : "Make it live",
          value: "go",
          primary: !weakenings.length,
          danger: weakenings.length > 0,
        },
      ],
      cancel: "cancel",
    });
    if (answer !== "go" || destroyed) return;
    const confirmed = weakenings.map((w) => w.key);
    const body = (keys: string[]) => ({ confirmWeakenings: keys, ...(liveNow ? { baseVersion: liveNow } : {}) });
    const send = rollback
      ? (keys: string[]) =>
          api<Reply<"postBusinessesByBusinessIdPersonasByPersonaIdRollback">>(`${personaUrl()}/rollback`, {
            method: "POST",
            body: { version: v.version, ...body(keys) },
          })
      : (keys: string[]) =>
          api<Reply<"postBusinessesByBusinessIdPersonasByPersonaIdVersionsByVersionActivate">>(`${personaUrl()}/versions/${v.version}/activate`, {
            method: "POST",
            body: body(keys),
          });
    try {
      const done = await sendConfirmed(send, { verb: "do this", confirm: "Do it anyway", cancel: "Cancel", confirmed });
      if (!done || destroyed) return;
      wentLive(done, rollback ? `Rolled back: version ${done.version} is live, a copy of version ${v.version}.` : `Version ${done.version} is live.`);
    } catch (thrown) {
      const error = apiError(thrown);
      if (error.code === "CONCURRENT_EDIT") {
        await load(current.id);
        throw new Error(`Someone else made version ${error.details.live} live meanwhile; the page now shows it. Check it and try again.`);
      }
      throw thrown;
    }
  }

  function copy(version: UsableVersion): void {
    hideSummary();
    form.set(valuesOf(version.persona));
    refresh();
    status.textContent = `Version ${version.version} is in the form: change what you need, then save.`;
    form.el.scrollIntoView({ block: "start" });
  }

  function imported(persona: ParsedFile["persona"], fileName: string, { tokens, limit }: ParsedFile): void {
    hideSummary();
    form.set(valuesOf(persona));
    refresh();
    status.textContent = `${fileName} is in the form${tokens > limit ? `, but it is ${number.format(tokens)} tokens and the limit is ${number.format(limit)}: shorten it before saving` : ": check it, then save"}.`;
    form.el.scrollIntoView({ block: "start" });
  }

  void load(current.id);
  return {
    destroy() {
      destroyed = true;
    },
  };
}
