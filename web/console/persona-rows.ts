// A list of rows the owner adds to and removes from (facts, rules, handoff words...), each row a few inputs.
import { clear, h } from "./dom.js";

export interface RowField {
  readonly key: string;
  /** For screen readers: "label". */
  readonly name: string;
  readonly placeholder?: string;
  readonly multiline?: boolean;
  readonly max?: number;
}
export type RowValues = Record<string, string>;
type RowInput = HTMLInputElement | HTMLTextAreaElement;

export interface RowList {
  readonly el: HTMLDivElement;
  values(): RowValues[];
  set(rows: readonly RowValues[]): void;
  input(row: number, key?: string): RowInput | null;
  row(i: number): HTMLLIElement | null;
  readonly addButton: HTMLButtonElement;
}

let counter = 0;

/**
 * fields: [{key, name (for screen readers: "label"), placeholder, multiline, max}].
 * Returns {el, values(), set(rows), input(row, key), row(i)}; onChange after every edit.
 */
export function rowList({
  id,
  noun,
  fields,
  addLabel,
  onChange,
}: {
  id: string;
  noun: string;
  fields: readonly RowField[];
  addLabel: string;
  onChange: () => void;
}): RowList {
  const list = h("ol", { id, class: `rows rows-${fields.length}` });
  let rows: { el: HTMLLIElement; inputs: Record<string, RowInput> }[] = [];
  const first = fields[0]!.key;

  function addRow(values: RowValues = {}) {
    const index = () => rows.indexOf(row);
    const inputs: Record<string, RowInput> = {};
    for (const f of fields) {
      const attrs = {
        id: `row-${++counter}`,
        class: `row-input row-${f.key}`,
        placeholder: f.placeholder,
        maxlength: f.max ?? 2000,
        dataset: { key: f.key },
        oninput: onChange,
      };
      const input = f.multiline ? h("textarea", { ...attrs, rows: 2 }) : h("input", { ...attrs, type: "text" });
      input.value = values[f.key] ?? "";
      inputs[f.key] = input;
    }
    const remove = h(
      "button",
      { type: "button", class: "icon-button remove-row", title: `Remove this ${noun}` },
      h("span", { "aria-hidden": "true" }, "✕"),
    );
    const el = h(
      "li",
      { class: "row" },
      fields.map((f) => h("div", { class: `cell cell-${f.key}` }, inputs[f.key])),
      remove,
    );
    const row = { el, inputs };
    remove.addEventListener("click", () => {
      const i = index();
      rows.splice(i, 1);
      el.remove();
      label();
      (rows[Math.min(i, rows.length - 1)]?.inputs[first] ?? add).focus();
      onChange();
    });
    rows.push(row);
    list.append(el);
    label();
    return row;
  }

  // Screen readers hear "Fact 2: label"; the remove buttons say which row they remove.
  function label() {
    rows.forEach((row, i) => {
      row.el.dataset.row = String(i);
      for (const f of fields)
        row.inputs[f.key]?.setAttribute(
          "aria-label",
          `${noun.charAt(0).toUpperCase()}${noun.slice(1)} ${i + 1}${fields.length > 1 ? `: ${f.name}` : ""}`,
        );
      row.el.querySelector(".remove-row")?.setAttribute("aria-label", `Remove ${noun} ${i + 1}`);
    });
  }

  const add = h("button", { type: "button", class: "secondary add-row", id: `${id}-add` }, `+ ${addLabel}`);
  add.addEventListener("click", () => {
    addRow().inputs[first]?.focus();
    onChange();
  });

  return {
    el: h("div", { class: "row-list" }, list, add),
    values: () => rows.map((row) => Object.fromEntries(fields.map((f) => [f.key, row.inputs[f.key]?.value ?? ""]))),
    set(values) {
      rows = [];
      clear(list);
      for (const v of values) addRow(v);
    },
    input: (i, key) => rows[i]?.inputs[key ?? first] ?? null,
    row: (i) => rows[i]?.el ?? null,
    addButton: add,
  };
}
