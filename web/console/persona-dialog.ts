// A modal question with a few answers (a native <dialog>: focus stays inside, Escape cancels).
import type { Weakening } from "./api.js";
import { type Child, h } from "./dom.js";

export interface DialogAction<V extends string> {
  readonly label: string;
  readonly value: V;
  readonly primary?: boolean;
  readonly danger?: boolean;
}

export interface Question<V extends string> {
  readonly id: string;
  readonly title: string;
  readonly body: Child;
  readonly actions: readonly DialogAction<V>[];
  readonly cancel: V;
}

/**
 * Shows title and body with one button per action ({label, value, primary, danger}); resolves to
 * the chosen value, or `cancel` on Escape. The first action is focused: make it the safe one.
 */
export function ask<V extends string>({ id, title, body, actions, cancel }: Question<V>): Promise<V> {
  return new Promise<V>((resolve) => {
    const buttons = actions.map((a, i) =>
      h(
        "button",
        { type: "button", class: a.primary ? "primary" : a.danger ? "danger-button" : "secondary", autofocus: i === 0, dataset: { value: a.value } },
        a.label,
      ),
    );
    const dialog = h(
      "dialog",
      { id, class: "dialog", "aria-labelledby": `${id}-title` },
      h("h2", { id: `${id}-title` }, title),
      h("div", { class: "dialog-body" }, body),
      h("div", { class: "dialog-actions" }, buttons),
    );
    for (const b of buttons) b.addEventListener("click", () => dialog.close(b.dataset.value));
    dialog.addEventListener("close", () => {
      const chosen = actions.find((a) => a.value === dialog.returnValue);
      dialog.remove();
      resolve(chosen ? chosen.value : cancel);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** The list of what a change stops enforcing, as the API words it. */
export function weakeningList(weakenings: readonly Weakening[]): HTMLUListElement {
  return h(
    "ul",
    { class: "weakenings" },
    weakenings.map((w) => h("li", { dataset: { key: w.key } }, w.message)),
  );
}
