// Knowledge: the business's FAQ entries and short documents; the agent is given the passages that match each message.
import { api, apiError, path, type Reply } from "./api.js";
import { clear, empty, errorBox, h, loading, when } from "./dom.js";
import type { Page, PageContext } from "./page.js";

type Entry = Reply<"getBusinessesByBusinessIdKnowledge">["items"][number];

// The same limits as the admin API (src/adapters/http/admin/routes/knowledge-routes.ts), for the counter; the server checks them.
const LIMITS: Record<string, number> = { title: 200, faq: 2000, document: 8000 };

export function mountKnowledge(view: HTMLElement, { business }: PageContext): Page {
  const base = path`/businesses/${business.id}/knowledge`;
  let destroyed = false;
  let editing: Entry | null = null; // the entry being edited, or null when adding

  const kind = h(
    "select",
    { id: "knowledge-kind", name: "kind" },
    h("option", { value: "faq" }, "FAQ entry (a question and its answer)"),
    h("option", { value: "document" }, "Short document"),
  );
  const titleLabel = h("label", { for: "knowledge-title" }, "Question");
  const title = h("input", { id: "knowledge-title", name: "title", type: "text", maxlength: String(LIMITS.title), autocomplete: "off" });
  const bodyLabel = h("label", { for: "knowledge-body" }, "Answer");
  const body = h("textarea", { id: "knowledge-body", name: "body", rows: "5" });
  const counter = h("span", { id: "knowledge-count", class: "small muted", "aria-live": "polite" });
  const titleError = h("p", { id: "knowledge-title-error", class: "field-error", hidden: true });
  const bodyError = h("p", { id: "knowledge-body-error", class: "field-error", hidden: true });
  const why = h("p", { id: "knowledge-why", class: "small muted" });
  const formError = h("div", { id: "knowledge-error", class: "error-box", role: "alert", hidden: true });
  const submit = h("button", { id: "knowledge-save", type: "submit", class: "primary" }, "Add");
  const cancel = h("button", { id: "knowledge-cancel", type: "button", class: "link-button", hidden: true, onclick: () => reset() }, "Cancel");
  const formTitle = h("h3", {}, "Add to the knowledge base");
  const form = h(
    "form",
    { id: "knowledge-form", class: "knowledge-form", novalidate: true },
    formTitle,
    h("label", { for: "knowledge-kind" }, "Kind"),
    kind,
    titleLabel,
    title,
    titleError,
    bodyLabel,
    body,
    counter,
    bodyError,
    formError,
    h("div", { class: "row-actions" }, submit, cancel),
    why,
  );
  const state = h("div", {}, loading("Loading the knowledge base…"));
  const list = h("ul", { id: "knowledge-list", class: "knowledge-list" });
  const root = h(
    "section",
    { class: "panel knowledge-page", "aria-labelledby": "knowledge-title-heading" },
    h("div", { class: "panel-head" }, h("h2", { id: "knowledge-title-heading" }, "Knowledge")),
    h(
      "p",
      { class: "small muted" },
      "Answers the agent can quote. For each message it is given the few entries that match best, so keep each one about one thing.",
    ),
    form,
    state,
    list,
  );
  view.append(root);

  const limit = (): number => LIMITS[editing?.kind ?? kind.value] ?? 0;
  let saving = false;
  /** Labels, the counter, and Add/Save usable only when the entry can be saved (the server still checks). */
  function refreshLabels() {
    const faq = (editing?.kind ?? kind.value) === "faq";
    titleLabel.textContent = faq ? "Question" : "Title";
    bodyLabel.textContent = faq ? "Answer" : "Text";
    const over = body.value.length - limit();
    counter.textContent =
      over > 0 ? `${body.value.length} / ${limit()} characters: ${over} too many, shorten it` : `${body.value.length} / ${limit()} characters`;
    counter.classList.toggle("over", over > 0);
    const missing = [title.value.trim() ? null : faq ? "the question" : "a title", body.value.trim() ? null : faq ? "the answer" : "the text"].filter(
      Boolean,
    );
    why.textContent =
      missing.length > 0
        ? `Write ${missing.join(" and ")} to ${editing ? "save" : "add"} it.`
        : over > 0
          ? `Shorten the ${faq ? "answer" : "text"} to ${editing ? "save" : "add"} it.`
          : "";
    submit.disabled = saving || missing.length > 0 || over > 0;
  }
  function fieldProblem(el: HTMLElement, box: HTMLElement, message: string): void {
    box.textContent = message;
    box.hidden = false;
    el.setAttribute("aria-invalid", "true");
    el.setAttribute("aria-describedby", box.id);
  }
  function clearProblems() {
    for (const [el, box] of [
      [title, titleError],
      [body, bodyError],
    ] as const) {
      box.hidden = true;
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    }
    formError.hidden = true;
  }
  kind.addEventListener("change", refreshLabels);
  title.addEventListener("input", refreshLabels);
  body.addEventListener("input", refreshLabels);

  function reset() {
    editing = null;
    form.reset();
    kind.disabled = false;
    formTitle.textContent = "Add to the knowledge base";
    submit.textContent = "Add";
    cancel.hidden = true;
    clearProblems();
    refreshLabels();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblems();
    saving = true;
    refreshLabels();
    try {
      if (editing) await api(`${base}/${encodeURIComponent(editing.id)}`, { method: "PATCH", body: { title: title.value, body: body.value } });
      else await api(base, { method: "POST", body: { kind: kind.value, title: title.value, body: body.value } });
      if (destroyed) return;
      reset();
      await load();
    } catch (thrown) {
      const error = apiError(thrown);
      if (destroyed) return;
      // The server names the field: its message goes next to that input.
      const field = error.details?.problems?.[0]?.field ?? error.details?.field;
      if (field === "body.title") fieldProblem(title, titleError, error.message);
      else if (field === "body.body") fieldProblem(body, bodyError, error.message);
      else {
        formError.hidden = false;
        formError.textContent = `Not saved. ${error.message}`;
      }
    } finally {
      saving = false;
      refreshLabels();
    }
  });

  async function load() {
    clear(state, loading("Loading the knowledge base…"));
    try {
      const { items } = await api<Reply<"getBusinessesByBusinessIdKnowledge">>(base);
      if (destroyed) return;
      clear(
        state,
        items.length === 0 ? empty("Nothing here yet. Add what people ask about: opening hours, prices, delivery area, upload days.") : null,
      );
      clear(list, items.map(card));
    } catch (thrown) {
      const error = apiError(thrown);
      if (!destroyed) clear(state, errorBox(`Could not load the knowledge base. ${error.message}`, load));
    }
  }

  function card(entry: Entry): HTMLLIElement {
    const error = h("div", { class: "error-box", role: "alert", hidden: true });
    const remove = h("button", { type: "button", class: "link-button danger", dataset: { action: "delete" } }, "Delete");
    remove.addEventListener("click", async () => {
      // Two steps instead of confirm(): the second click deletes.
      if (remove.dataset.confirm !== "yes") {
        remove.dataset.confirm = "yes";
        remove.textContent = "Click again to delete";
        return;
      }
      remove.disabled = true;
      try {
        await api(`${base}/${encodeURIComponent(entry.id)}`, { method: "DELETE" });
        if (!destroyed) await load();
      } catch (thrown) {
        const e = apiError(thrown);
        if (destroyed) return;
        remove.disabled = false;
        error.hidden = false;
        error.textContent = `Could not delete it. ${e.message}`;
      }
    });
    const edit = h("button", { type: "button", class: "link-button", dataset: { action: "edit" }, onclick: () => startEdit(entry) }, "Edit");
    return h(
      "li",
      { class: "knowledge-entry", dataset: { entryId: entry.id, kind: entry.kind } },
      h(
        "div",
        { class: "channel-top" },
        h("div", {}, h("span", { class: "badge" }, entry.kind === "faq" ? "FAQ" : "Document"), " ", h("strong", {}, entry.title)),
        h("div", { class: "row-actions" }, edit, remove),
      ),
      h("p", { class: "knowledge-body" }, entry.body),
      h("p", { class: "small muted" }, `Changed ${when(entry.updatedAt)}`),
      error,
    );
  }

  function startEdit(entry: Entry): void {
    editing = entry;
    kind.value = entry.kind;
    kind.disabled = true;
    title.value = entry.title;
    body.value = entry.body;
    formTitle.textContent = "Edit entry";
    submit.textContent = "Save";
    cancel.hidden = false;
    clearProblems();
    refreshLabels();
    title.focus();
  }

  refreshLabels();
  void load();
  return {
    destroy() {
      destroyed = true;
    },
  };
}
