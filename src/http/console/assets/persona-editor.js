// The persona editor: every save is a new version; list, view, compare and roll back versions.
import { api } from "./api.js";
import { clear, empty, errorBox, h, loading, when } from "./dom.js";
import { renderDiff } from "./persona-diff.js";

const CONFIRM_MS = 6000;
const number = new Intl.NumberFormat();

// Unsaved edits per persona, kept while the tab is signed in: leaving the page and coming back keeps them.
const drafts = new Map();
export function forgetDrafts() {
  drafts.clear();
}
let dirtyEditor = false;
window.addEventListener("beforeunload", (event) => {
  if (dirtyEditor) event.preventDefault();
});
/** The editor is gone (another section, signed out): nothing unsaved on screen any more. */
export function editorLeft() {
  dirtyEditor = false;
}

/** Mounts the editor for one of personas into panel; onSaved(personaId, version) after a save or roll back. */
export function mountEditor(panel, { base, personas, personaId, onSaved }) {
  let current = personas.find((p) => p.id === personaId) ?? personas[0];
  let saved = ""; // the live version's text, to tell whether there are unsaved changes
  let versions = [];
  let destroyed = false;

  const picker =
    personas.length > 1
      ? h("select", { id: "persona-select", "aria-label": "Persona", onchange: () => select(picker.value) }, personas.map((p) => h("option", { value: p.id, selected: p.id === current.id }, p.name)))
      : h("span", { id: "persona-name", class: "persona-name" }, current.name);
  const live = h("p", { id: "live-version", class: "live" });
  const text = h("textarea", { id: "persona-text", rows: "16", spellcheck: "true", "aria-describedby": "live-version" });
  const save = h("button", { id: "save-version", type: "button", class: "primary", disabled: true }, "Save as new version");
  const status = h("span", { id: "save-status", class: "status", role: "status" });
  const saveError = h("div", { id: "save-error", class: "error-box", role: "alert", hidden: true });
  const list = h("ul", { id: "versions", class: "versions" });
  const from = h("select", { id: "diff-from", "aria-label": "Compare version" });
  const to = h("select", { id: "diff-to", "aria-label": "with version" });
  const compare = h("button", { id: "show-diff", type: "button", class: "secondary" }, "Show differences");
  const output = h("div", { id: "diff", class: "diff-output" });
  const body = h("div", { class: "editor-body" }, loading("Loading…"));

  clear(
    panel,
    h("div", { class: "panel-head" }, h("h2", { id: "persona-title" }, "Persona"), picker),
    body,
  );
  const content = [
    live,
    h("label", { for: "persona-text" }, "What the agent knows and how it talks (its instructions)"),
    text,
    h("div", { class: "actions" }, save, status),
    saveError,
    h("h3", {}, "Versions"),
    h("p", { class: "small muted" }, "Every save is kept. Roll back to bring an older text back as a new version."),
    list,
    h("div", { class: "compare" }, h("span", {}, "Compare"), from, h("span", {}, "with"), to, compare),
    output,
  ];

  function refreshDirty() {
    const dirty = text.value.trim() !== saved.trim();
    dirtyEditor = dirty;
    if (dirty) drafts.set(current.id, text.value);
    else drafts.delete(current.id);
    save.disabled = !dirty;
    if (dirty) status.textContent = "Unsaved changes";
    else if (status.textContent === "Unsaved changes") status.textContent = "";
  }

  function showLive(version) {
    live.textContent = version
      ? `Live now: version ${version.version} · ${number.format(version.tokens)} tokens · saved ${when(version.createdAt)}`
      : "No live version: the agent cannot answer with this persona yet.";
  }

  function showError(error) {
    saveError.hidden = false;
    if (error.code === "PERSONA_TOO_LONG" && error.details.tokens) {
      const { tokens, limit } = error.details;
      const over = tokens - limit;
      clear(
        saveError,
        h("strong", {}, "Too long, not saved. "),
        `This text is ${number.format(tokens)} tokens and the limit is ${number.format(limit)} tokens. `,
        `Remove about ${number.format(over)} tokens (roughly ${number.format(Math.ceil(over * 0.75))} words) and save again. The live version has not changed.`,
      );
    } else {
      clear(saveError, h("strong", {}, "Not saved. "), error.message);
    }
  }

  async function load(personaId) {
    clear(body, loading("Loading the persona…"));
    try {
      const [persona, history] = await Promise.all([api(`${base}/personas/${encodeURIComponent(personaId)}`), api(`${base}/personas/${encodeURIComponent(personaId)}/versions`)]);
      if (destroyed) return;
      current = persona;
      versions = history.items;
      saved = persona.activeVersion?.systemPrompt ?? "";
      const draft = drafts.get(persona.id);
      text.value = draft ?? saved;
      showLive(persona.activeVersion);
      status.textContent = draft !== undefined && draft.trim() !== saved.trim() ? "Unsaved changes" : "";
      saveError.hidden = true;
      clear(output);
      clear(body, content);
      renderVersions();
      refreshDirty();
    } catch (error) {
      if (!destroyed) clear(body, errorBox(`Could not load the persona. ${error.message}`, () => load(personaId)));
    }
  }

  async function reloadVersions() {
    const history = await api(`${base}/personas/${encodeURIComponent(current.id)}/versions`);
    if (destroyed) return;
    versions = history.items;
    renderVersions();
  }

  function renderVersions() {
    if (versions.length === 0) {
      clear(list, empty("No versions yet."));
    } else {
      clear(list, versions.map(versionRow));
    }
    const options = (selected) => versions.map((v) => h("option", { value: String(v.version), selected: v.version === selected }, `Version ${v.version}${v.active ? " (live)" : ""}`));
    clear(from, options(versions[1]?.version ?? versions[0]?.version));
    clear(to, options(versions[0]?.version));
    compare.disabled = versions.length < 2;
  }

  function versionRow(v) {
    const liveVersion = versions.find((x) => x.active);
    const actions = h("div", { class: "row-actions" }, h("button", { type: "button", class: "link-button", onclick: () => view(v.version) }, "View"));
    if (!v.active && liveVersion) actions.append(h("button", { type: "button", class: "link-button", onclick: () => showDiff(v.version, liveVersion.version) }, "Compare with live"));
    if (!v.active) actions.append(rollbackButton(v.version));
    return h(
      "li",
      { class: v.active ? "version active" : "version", dataset: { version: String(v.version) } },
      h("div", {}, h("strong", {}, `Version ${v.version}`), v.active ? h("span", { class: "badge live-badge" }, "live") : null, h("span", { class: "muted small" }, ` ${when(v.createdAt)}`)),
      actions,
    );
  }

  function rollbackButton(version) {
    let armed = null;
    const button = h("button", { type: "button", class: "link-button rollback", dataset: { version: String(version) } }, "Roll back to this");
    button.addEventListener("click", async () => {
      if (!armed) {
        button.textContent = `Yes, make version ${version} live again`;
        button.classList.add("danger");
        armed = setTimeout(() => {
          armed = null;
          button.textContent = "Roll back to this";
          button.classList.remove("danger");
        }, CONFIRM_MS);
        return;
      }
      clearTimeout(armed);
      button.disabled = true;
      button.textContent = "Rolling back…";
      try {
        const created = await api(`${base}/personas/${encodeURIComponent(current.id)}/rollback`, { method: "POST", body: { version } });
        if (destroyed) return;
        drafts.delete(current.id);
        await load(current.id);
        status.textContent = `Rolled back: version ${created.version} is live, a copy of version ${version}.`;
        onSaved(current.id, created.version);
      } catch (error) {
        if (destroyed) return;
        showError(error);
        button.disabled = false;
        button.textContent = "Roll back to this";
        button.classList.remove("danger");
        armed = null;
      }
    });
    return button;
  }

  async function view(version) {
    clear(output, loading(`Loading version ${version}…`));
    try {
      const v = await api(`${base}/personas/${encodeURIComponent(current.id)}/versions/${version}`);
      if (destroyed) return;
      const copy = h("button", { type: "button", class: "secondary" }, "Copy into the editor");
      copy.addEventListener("click", () => {
        text.value = v.systemPrompt;
        refreshDirty();
        text.focus();
      });
      clear(output, h("div", { class: "diff-head" }, h("strong", {}, `Version ${v.version}`), h("span", { class: "muted small" }, ` ${number.format(v.tokens)} tokens · ${when(v.createdAt)}`), copy), h("pre", { class: "version-text" }, v.systemPrompt));
    } catch (error) {
      if (!destroyed) clear(output, errorBox(error.message));
    }
  }

  async function showDiff(a, b) {
    from.value = String(a);
    to.value = String(b);
    clear(output, loading("Comparing…"));
    try {
      const diff = await api(`${base}/personas/${encodeURIComponent(current.id)}/diff?from=${a}&to=${b}`);
      if (!destroyed) clear(output, renderDiff(diff));
    } catch (error) {
      if (!destroyed) clear(output, errorBox(error.message));
    }
  }

  function select(personaId) {
    void load(personaId);
  }

  text.addEventListener("input", refreshDirty);
  compare.addEventListener("click", () => showDiff(Number(from.value), Number(to.value)));
  save.addEventListener("click", async () => {
    save.disabled = true;
    saveError.hidden = true;
    status.textContent = "Saving…";
    try {
      const created = await api(`${base}/personas/${encodeURIComponent(current.id)}/versions`, { method: "POST", body: { systemPrompt: text.value } });
      if (destroyed) return;
      saved = created.systemPrompt;
      text.value = created.systemPrompt;
      showLive(created);
      status.textContent = `Saved as version ${created.version}. New replies use it now.`;
      onSaved(current.id, created.version);
      reloadVersions().catch((error) => !destroyed && clear(list, errorBox(`Saved, but the version list could not be refreshed. ${error.message}`, reloadVersions)));
    } catch (error) {
      if (destroyed) return;
      status.textContent = "";
      showError(error);
    } finally {
      if (!destroyed) refreshDirty();
    }
  });

  void load(current.id);
  return {
    destroy() {
      destroyed = true;
    },
  };
}
