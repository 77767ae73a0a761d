// Agent settings: how the agent behaves for this business (reply length, temperature, debounce,
// the owner's quiet time, the knowledge budget, the reply to photos and voice notes).
import { type ApiError, api, apiError, type Body, path, type Reply } from "./api.js";
import { clear, errorBox, h, loading } from "./dom.js";
import type { Page, PageContext } from "./page.js";

type Settings = Reply<"getBusinessesByBusinessIdSettings">;
type NumberKey = "replyMaxTokens" | "temperature" | "turnDebounceMs" | "ownerQuietMinutes" | "knowledgeBudgetTokens";

interface SettingField {
  readonly key: NumberKey;
  readonly label: string;
  readonly help: string;
  readonly min: number;
  readonly max: number;
  readonly step: number | "any";
}

/** Each setting: its API field, label, help, and the input's limits (the API checks them again). */
const FIELDS: SettingField[] = [
  {
    key: "replyMaxTokens",
    label: "Longest reply (tokens)",
    help: "The most the agent writes in one reply. About ¾ of a word per token.",
    min: 8,
    max: 2048,
    step: 1,
  },
  {
    key: "temperature",
    label: "Creativity (temperature)",
    help: "0 always picks the likeliest words; higher is more varied (up to 2).",
    min: 0,
    max: 2,
    step: 0.05,
  },
  {
    key: "turnDebounceMs",
    label: "Wait before answering (milliseconds)",
    help: "The agent waits until the newest message is this old, so several quick messages get one answer.",
    min: 0,
    max: 60000,
    step: 1,
  },
  {
    key: "ownerQuietMinutes",
    label: "Quiet time after you write (minutes)",
    help: "After you write in a conversation from the business phone, the agent stays quiet there this long.",
    min: 0,
    max: 10080,
    step: "any",
  },
  {
    key: "knowledgeBudgetTokens",
    label: "Room for knowledge (tokens)",
    help: "How much of the prompt your matching FAQ and documents may take. 0: none.",
    min: 0,
    max: 4096,
    step: 1,
  },
];

export function mountSettings(view: HTMLElement, { business }: PageContext): Page {
  const url = path`/businesses/${business.id}/settings`;
  const root = h("section", { class: "panel settings-page", "aria-labelledby": "settings-title" });
  view.append(root);
  let destroyed = false;

  async function load() {
    clear(root, loading("Loading settings…"));
    try {
      const settings = await api<Settings>(url);
      if (!destroyed) render(settings);
    } catch (thrown) {
      const error = apiError(thrown);
      if (!destroyed)
        clear(root, h("h2", { id: "settings-title" }, "Agent settings"), errorBox(`Could not load the settings. ${error.message}`, load));
    }
  }

  function render(settings: Settings): void {
    const inputs = {} as Record<NumberKey, HTMLInputElement>;
    const rows = FIELDS.map((f) => {
      const input = h("input", { id: `setting-${f.key}`, type: "number", min: f.min, max: f.max, step: f.step, required: true });
      input.value = String(settings[f.key]);
      inputs[f.key] = input;
      return h(
        "div",
        { class: "field" },
        h("label", { for: `setting-${f.key}` }, f.label),
        input,
        h("p", { class: "small muted" }, `${f.help} Default: ${settings.defaults[f.key]}.`),
      );
    });
    const nonText = h("textarea", { id: "setting-nonTextReply", rows: 3, maxlength: 1000, required: true });
    nonText.value = settings.nonTextReply;
    const save = h("button", { id: "save-settings", type: "submit", class: "primary" }, "Save");
    const reset = h("button", { id: "reset-settings", type: "button" }, "Back to defaults");
    const saved = h("span", { id: "settings-saved", class: "status", role: "status" });
    const error = h("div", { id: "settings-error", class: "error-box", role: "alert", hidden: true });
    reset.addEventListener("click", () => {
      for (const f of FIELDS) inputs[f.key].value = String(settings.defaults[f.key]);
      nonText.value = settings.defaults.nonTextReply;
      saved.textContent = "";
    });

    const form = h(
      "form",
      { id: "settings-form", novalidate: true },
      h("p", { class: "small muted" }, "These apply from the next message the agent answers."),
      ...rows,
      h("label", { for: "setting-nonTextReply" }, "Reply to photos, voice notes and stickers"),
      nonText,
      h("p", { class: "small muted" }, "Sent without asking the model when a customer sends only things the agent cannot read."),
      error,
      h("div", { class: "actions" }, save, reset, saved),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.hidden = true;
      saved.textContent = "";
      const body: Partial<Body<"putBusinessesByBusinessIdSettings">> = { nonTextReply: nonText.value };
      for (const f of FIELDS) {
        const value = inputs[f.key].value.trim();
        if (value === "" || !Number.isFinite(Number(value))) return showError(`${f.label}: enter a number.`);
        body[f.key] = Number(value);
      }
      save.disabled = true;
      save.textContent = "Saving…";
      try {
        const updated = await api<Reply<"putBusinessesByBusinessIdSettings">>(url, { method: "PUT", body });
        if (destroyed) return;
        settings = updated;
        saved.textContent = "Saved ✓";
      } catch (thrown) {
        const e = apiError(thrown);
        if (destroyed) return;
        showError(e.status === 400 ? readable(e) : `Could not save. ${e.message}`);
      } finally {
        save.disabled = false;
        save.textContent = "Save";
      }
    });

    function showError(text: string): void {
      error.hidden = false;
      error.textContent = text;
    }

    clear(root, h("div", { class: "panel-head" }, h("h2", { id: "settings-title" }, "Agent settings")), form);
  }

  void load();
  return {
    destroy() {
      destroyed = true;
    },
  };
}

/** The API's problems in the form's words: "body.replyMaxTokens: ..." becomes "Longest reply (tokens): ...". */
function readable(e: ApiError): string {
  const labels: Record<string, string> = {
    ...Object.fromEntries(FIELDS.map((f) => [f.key, f.label])),
    nonTextReply: "Reply to photos, voice notes and stickers",
  };
  const problems = (e.details?.problems ?? []).map((p) => `${labels[p.field.replace(/^body\./, "")] ?? p.field}: ${p.message}`);
  return problems.join("; ") || e.message;
}
