// Opening hours: the weekly schedule, time zone, what the agent does when closed, the away message.
import { api, apiError, type Body, path, type Reply } from "./api.js";
import { clear, errorBox, h, loading } from "./dom.js";
import type { Page, PageContext } from "./page.js";

type Hours = Reply<"getBusinessesByBusinessIdHours">;
/** A range as the form has it: two "HH:MM" texts (empty while not filled in). */
type Range = [start: string, end: string];

interface DayRow {
  readonly el: HTMLFieldSetElement;
  ranges(): Range[];
  set(ranges: readonly Range[]): void;
  mark(index: number | null): void;
}

const DAYS: [string, string][] = [
  ["mon", "Monday"],
  ["tue", "Tuesday"],
  ["wed", "Wednesday"],
  ["thu", "Thursday"],
  ["fri", "Friday"],
  ["sat", "Saturday"],
  ["sun", "Sunday"],
];
const DAY_NAMES: Record<string, string> = Object.fromEntries(DAYS);

export function mountHours(view: HTMLElement, { business }: PageContext): Page {
  const url = path`/businesses/${business.id}/hours`;
  const root = h("section", { class: "panel hours-page", "aria-labelledby": "hours-title" });
  view.append(root);
  let destroyed = false;

  async function load() {
    clear(root, loading("Loading opening hours…"));
    try {
      const hours = await api<Hours>(url);
      if (!destroyed) render(hours);
    } catch (thrown) {
      const error = apiError(thrown);
      if (!destroyed)
        clear(root, h("h2", { id: "hours-title" }, "Opening hours"), errorBox(`Could not load the opening hours. ${error.message}`, load));
    }
  }

  function render(hours: Hours): void {
    const status = h("p", { id: "hours-status", class: "state-banner", role: "status" });
    const always = h("input", { id: "always-open", type: "checkbox", checked: hours.openingHours === null });
    const week = h("div", { id: "week", class: "week" });
    const rows: Record<string, DayRow> = {};
    const opening = hours.openingHours as Record<string, Range[]> | null;
    for (const [key, name] of DAYS) {
      const row = dayRow(key, name, opening?.[key] ?? []);
      rows[key] = row;
      week.append(row.el);
    }
    const copy = h("button", { type: "button", class: "link-button", id: "copy-monday" }, "Copy Monday to Tuesday–Friday");
    copy.addEventListener("click", () => {
      const monday = rows.mon?.ranges() ?? [];
      for (const key of ["tue", "wed", "thu", "fri"]) rows[key]?.set(monday);
    });
    const scheduleBox = h(
      "div",
      { class: "schedule", hidden: always.checked },
      h(
        "p",
        { class: "small muted" },
        "Add the hours you are open each day. A day with no hours is closed. Hours that end after midnight (22:00 – 02:00) run into the next day.",
      ),
      week,
      copy,
    );
    always.addEventListener("change", () => (scheduleBox.hidden = always.checked));

    const zone = timeZoneSelect(hours.timezone);
    const answer = h("input", { type: "radio", name: "outside-hours", id: "mode-answer", value: "answer", checked: hours.outsideHours === "answer" });
    const away = h("input", { type: "radio", name: "outside-hours", id: "mode-away", value: "away", checked: hours.outsideHours === "away" });
    const message = h("textarea", {
      id: "away-message",
      rows: 3,
      maxlength: 1000,
      placeholder: "Thanks for your message! We're closed right now. We open again {opens} and will get back to you then.",
    });
    message.value = hours.awayMessage ?? "";
    const save = h("button", { id: "save-hours", type: "submit", class: "primary" }, "Save");
    const saved = h("span", { id: "hours-saved", class: "status", role: "status" });
    const error = h("div", { id: "hours-error", class: "error-box", role: "alert", hidden: true });

    const form = h(
      "form",
      { id: "hours-form", novalidate: true },
      h("h3", {}, "When are you open?"),
      h("label", { class: "check" }, always, "Always open (the agent answers at any time)"),
      scheduleBox,
      h("label", { for: "timezone" }, "Time zone"),
      zone,
      h("p", { class: "small muted" }, "The hours above are in this time zone."),
      h("h3", {}, "When a customer writes while you are closed"),
      h(
        "div",
        { class: "choices" },
        h(
          "label",
          { class: "check choice" },
          answer,
          h("span", {}, h("strong", {}, "Keep answering"), h("span", { class: "small muted" }, " – the agent replies as usual")),
        ),
        h(
          "label",
          { class: "check choice" },
          away,
          h(
            "span",
            {},
            h("strong", {}, "Send an away message"),
            h(
              "span",
              { class: "small muted" },
              " – once per closed period; later messages wait for you in the inbox, and the agent answers them when you open unless you reply first",
            ),
          ),
        ),
      ),
      h("label", { for: "away-message" }, "Away message"),
      message,
      h(
        "p",
        { class: "small muted" },
        "Write {opens} where the next opening time should go (for example “tomorrow at 09:00”). Leave it empty for the default text.",
      ),
      error,
      h("div", { class: "actions" }, save, saved),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.hidden = true;
      saved.textContent = "";
      for (const row of Object.values(rows)) row.mark(null);
      const incomplete = Object.entries(rows).find(([, row]) => row.ranges().some(([a, b]) => !a || !b));
      if (!always.checked && incomplete) return showError(`${DAY_NAMES[incomplete[0]]}: fill in both times of each range, or remove it.`);
      const body: Body<"putBusinessesByBusinessIdHours"> = {
        timezone: zone.value,
        openingHours: always.checked
          ? null
          : (Object.fromEntries(
              Object.entries(rows).map(([key, row]) => [key, row.ranges().map(toApiRange)]),
            ) as Body<"putBusinessesByBusinessIdHours">["openingHours"]),
        outsideHours: away.checked ? "away" : "answer",
        awayMessage: message.value.trim() ? message.value : null,
      };
      save.disabled = true;
      save.textContent = "Saving…";
      try {
        const updated = await api<Reply<"putBusinessesByBusinessIdHours">>(url, { method: "PUT", body });
        if (destroyed) return;
        showStatus(updated);
        saved.textContent = "Saved ✓";
      } catch (thrown) {
        const e = apiError(thrown);
        if (destroyed) return;
        showError(
          e.status === 400
            ? readable((e.details?.problems ?? []).map((p) => `${p.field}: ${p.message}`).join("; ") || e.message, rows)
            : `Could not save. ${e.message}`,
        );
      } finally {
        save.disabled = false;
        save.textContent = "Save";
      }
    });

    function showError(text: string): void {
      error.hidden = false;
      error.textContent = text;
    }

    function showStatus(state: Hours): void {
      status.classList.toggle("paused", !state.openNow);
      if (state.openingHours === null) status.textContent = "Open now: no schedule, the agent answers at any time.";
      else if (state.openNow)
        status.textContent = state.nextClosing ? `Open now · closes ${when(state.nextClosing, state.timezone)}` : "Open now · open round the clock";
      else
        status.textContent = state.nextOpening ? `Closed now · opens ${when(state.nextOpening, state.timezone)}` : "Closed now · every day is closed";
    }

    showStatus(hours);
    clear(root, h("div", { class: "panel-head" }, h("h2", { id: "hours-title" }, "Opening hours")), status, form);
  }

  void load();
  return {
    destroy() {
      destroyed = true;
    },
  };
}

/** One day: its ranges (start, end time inputs and a remove button) and "Add hours". */
function dayRow(key: string, name: string, initial: readonly Range[]): DayRow {
  const list = h("ul", { class: "ranges", "aria-label": `${name} hours` });
  const closed = h("span", { class: "small muted closed-note" }, "Closed");
  const add = h("button", { type: "button", class: "link-button", dataset: { add: key } }, "+ Add hours");
  const el = h("fieldset", { class: "day", id: `day-${key}`, dataset: { day: key } }, h("legend", {}, name), closed, list, add);
  const refresh = () => (closed.hidden = list.children.length > 0);

  /** Each range item's inputs, read as [start, end]. */
  const rangeOf = new WeakMap<Element, () => Range>();

  function addRange([start, end]: Range = ["09:00", "18:00"]): void {
    const from = h("input", { type: "time", class: "time", value: start, "aria-label": `${name} opens` });
    const to = h("input", { type: "time", class: "time", value: end === "24:00" ? "00:00" : end, "aria-label": `${name} closes` });
    const remove = h("button", { type: "button", class: "link-button danger", "aria-label": `Remove ${name} hours` }, "Remove");
    const item = h("li", { class: "range" }, from, h("span", { "aria-hidden": "true" }, "–"), to, remove);
    remove.addEventListener("click", () => {
      item.remove();
      refresh();
    });
    rangeOf.set(item, () => [from.value, to.value]);
    list.append(item);
    refresh();
  }

  add.addEventListener("click", () => {
    const lastItem = list.lastElementChild;
    const last = lastItem ? rangeOf.get(lastItem)?.() : undefined;
    addRange(last ? [last[1] || "09:00", "18:00"] : undefined);
  });
  initial.forEach((r) => addRange(r));
  refresh();
  return {
    el,
    ranges: () => [...list.children].map((item) => rangeOf.get(item)?.() ?? ["", ""]),
    set(ranges) {
      clear(list);
      ranges.forEach((r) => addRange(r));
      refresh();
    },
    mark(index) {
      [...list.children].forEach((item, i) => item.classList.toggle("invalid", i === index));
    },
  };
}

/** 00:00 – 00:00 in the form means the whole day. */
function toApiRange([start, end]: Range): Range {
  return start === "00:00" && end === "00:00" ? ["00:00", "24:00"] : [start, end];
}

function timeZoneSelect(current: string): HTMLSelectElement {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const all = [...new Set(["UTC", current, ...zones])].sort((a, b) => (a === "UTC" ? -1 : b === "UTC" ? 1 : a.localeCompare(b)));
  return h(
    "select",
    { id: "timezone", name: "timezone" },
    all.map((z) => h("option", { value: z, selected: z === current }, z.replaceAll("_", " "))),
  );
}

/** "today at 18:00", "tomorrow at 09:00", "Monday at 09:00", in the business's time zone. */
function when(iso: string, timeZone: string): string {
  const date = new Date(iso);
  const day = (d: Date) => new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
  const time = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(date);
  const now = new Date();
  if (day(date) === day(now)) return `today at ${time}`;
  if (day(date) === day(new Date(now.getTime() + 86_400_000))) return `tomorrow at ${time}`;
  return `${new Intl.DateTimeFormat("en-GB", { timeZone, weekday: "long" }).format(date)} at ${time}`;
}

/** The API names fields (body.openingHours.tue[1]: overlaps tue[0] (09:00-13:00)); say it in days and marks the range. */
function readable(message: string, rows: Record<string, DayRow>): string {
  return message
    .split("; ")
    .map((part) => {
      const m = /^body\.openingHours\.(\w+)\[(\d+)\](?:\[\d+\])?: (.*)$/.exec(part);
      const row = m?.[1] === undefined ? undefined : rows[m[1]];
      if (m && row) {
        row.mark(Number(m[2]));
        const detail = (m[3] ?? "").replace(
          /(mon|tue|wed|thu|fri|sat|sun)\[(\d+)\]/g,
          (_x, d: string, i: string) => `${DAY_NAMES[d]}'s hours ${Number(i) + 1}`,
        );
        return `${DAY_NAMES[m[1] ?? ""]}, hours ${Number(m[2]) + 1}: ${detail}`;
      }
      return part
        .replace(/^body\.timezone/, "Time zone")
        .replace(/^body\.awayMessage/, "Away message")
        .replace(/^body\./, "");
    })
    .join(" · ");
}
