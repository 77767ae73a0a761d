// The versions of a persona: the list (live, drafts that cannot be used), one version whole, two compared.
import { api, apiError, messageOf, type PersonaDoc, type PersonaVersion, type Reply } from "./api.js";
import { clear, empty, errorBox, h, loading } from "./dom.js";
import { renderDiff } from "./persona-diff.js";
import { downloadVersion } from "./persona-files.js";
import { renderPersona } from "./persona-view.js";

/** What the list and the version views show and act on, in both the list's items and a whole version. */
export type VersionItem = Pick<PersonaVersion, "version" | "active" | "usable" | "createdAt" | "rolledBackFrom">;
/** A whole version that can be used (its persona is there). */
export type UsableVersion = PersonaVersion & { persona: PersonaDoc };

const number = new Intl.NumberFormat();
const DAY_TIME = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
const DAY_TIME_YEAR = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

/** "Wed 2 Dec, 06:37" (with the year when it is not this year). */
export function dayAndTime(iso: string): string {
  const date = new Date(iso);
  return (date.getFullYear() === new Date().getFullYear() ? DAY_TIME : DAY_TIME_YEAR).format(date);
}

/**
 * Mounts the versions section. makeLive(summary) and copy(versionDetail) are the editor's;
 * returns {el, load(personaUrl)}.
 */
export function versionsSection({ makeLive, copy }: { makeLive: (v: VersionItem) => Promise<void>; copy: (v: UsableVersion) => void }): {
  el: HTMLElement;
  load(personaUrl: string): Promise<void>;
  clearOutput(): void;
} {
  let personaUrl = "";
  let versions: Reply<"getBusinessesByBusinessIdPersonasByPersonaIdVersions">["items"] = [];
  const reasons = new Map<string, string>();
  const list = h("ul", { id: "versions", class: "versions" });
  const from = h("select", { id: "diff-from", "aria-label": "Compare version" });
  const to = h("select", { id: "diff-to", "aria-label": "with version" });
  const compare = h("button", { id: "show-diff", type: "button", class: "secondary" }, "Show differences");
  const output = h("div", { id: "version-output", class: "diff-output", tabindex: "-1" });
  compare.addEventListener("click", () => showDiff(Number(from.value), Number(to.value)));

  const live = () => versions.find((v) => v.active);

  async function load(url: string): Promise<void> {
    personaUrl = url;
    clear(list, loading("Loading the versions…"));
    try {
      versions = (await api<Reply<"getBusinessesByBusinessIdPersonasByPersonaIdVersions">>(`${url}/versions`)).items;
      // A draft (kept from the old format) says why it cannot be used; there are few of them.
      await Promise.all(
        versions
          .filter((v) => !v.usable && !reasons.has(`${url}#${v.version}`))
          .map(async (v) => reasons.set(`${url}#${v.version}`, (await api<PersonaVersion>(`${url}/versions/${v.version}`)).unusable?.reason ?? "")),
      );
      if (url === personaUrl) render();
    } catch (thrown) {
      const error = apiError(thrown);
      if (url === personaUrl)
        clear(
          list,
          errorBox(`Could not load the versions. ${error.message}`, () => load(url)),
        );
    }
  }

  function render() {
    clear(list, versions.length === 0 ? empty("No versions yet.") : versions.map(row));
    const options = (selected: number | undefined) =>
      versions.map((v) =>
        h("option", { value: String(v.version), selected: v.version === selected }, `Version ${v.version}${v.active ? " (live)" : ""}`),
      );
    clear(from, options(versions[1]?.version ?? versions[0]?.version));
    clear(to, options(live()?.version ?? versions[0]?.version));
    compare.disabled = versions.length < 2;
  }

  function liveLabel(v: VersionItem): string {
    const current = live();
    return !current || v.version < current.version ? "Make this version live again" : "Make this version live";
  }

  function actionButtons(v: VersionItem, { viewing = false } = {}): HTMLButtonElement[] {
    const current = live();
    const buttons: HTMLButtonElement[] = [];
    if (!viewing) buttons.push(h("button", { type: "button", class: "link-button view-version", onclick: () => view(v.version) }, "View"));
    if (!v.active && current)
      buttons.push(
        h("button", { type: "button", class: "link-button compare-live", onclick: () => showDiff(current.version, v.version) }, "Compare with live"),
      );
    if (!v.active && v.usable)
      buttons.push(
        h(
          "button",
          {
            type: "button",
            class: "link-button make-live",
            dataset: { version: String(v.version) },
            onclick: (e: MouseEvent) => tryMakeLive(v, e.currentTarget as HTMLButtonElement),
          },
          liveLabel(v),
        ),
      );
    buttons.push(
      h(
        "button",
        {
          type: "button",
          class: "link-button download-version",
          onclick: () => downloadVersion(personaUrl, v.version).catch((error: unknown) => clear(output, errorBox(messageOf(error)))),
        },
        "Download",
      ),
    );
    return buttons;
  }

  async function tryMakeLive(v: VersionItem, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      await makeLive(v);
    } catch (thrown) {
      const error = apiError(thrown);
      clear(output, errorBox(`Version ${v.version} was not made live. ${error.message}`));
      output.focus();
    } finally {
      button.disabled = false;
    }
  }

  function row(v: VersionItem): HTMLLIElement {
    const reason = reasons.get(`${personaUrl}#${v.version}`);
    return h(
      "li",
      { class: `version${v.active ? " active" : ""}${v.usable ? "" : " draft"}`, dataset: { version: String(v.version) } },
      h(
        "div",
        { class: "version-info" },
        h("strong", {}, `Version ${v.version}`),
        v.active ? h("span", { class: "badge live-badge" }, "live") : null,
        v.usable ? null : h("span", { class: "badge draft-badge" }, "cannot be used"),
        h("span", { class: "muted small version-date" }, ` ${dayAndTime(v.createdAt)}`),
        v.rolledBackFrom ? h("span", { class: "muted small" }, ` · copy of version ${v.rolledBackFrom}`) : null,
        !v.usable && reason ? h("span", { class: "small draft-reason" }, `Why: ${reason}`) : null,
      ),
      h("div", { class: "row-actions" }, actionButtons(v)),
    );
  }

  async function view(version: number): Promise<void> {
    clear(output, loading(`Loading version ${version}…`));
    try {
      const v = await api<PersonaVersion>(`${personaUrl}/versions/${version}`);
      const head = h(
        "div",
        { class: "diff-head" },
        h("strong", {}, `Version ${v.version}`),
        v.active ? h("span", { class: "badge live-badge" }, "live") : null,
        h(
          "span",
          { class: "muted small" },
          ` ${dayAndTime(v.createdAt)}${v.tokens === null ? "" : ` · ${number.format(v.tokens)} of ${number.format(v.limit)} tokens`}`,
        ),
      );
      if (!v.persona) {
        clear(
          output,
          head,
          h(
            "p",
            { class: "weakened" },
            `This version cannot be used: ${v.unusable?.reason}. You can read its old text below and copy what you need into the form.`,
          ),
          h("pre", { class: "version-text" }, v.unusable?.text),
        );
      } else {
        const usable: UsableVersion = { ...v, persona: v.persona };
        const copyButton = h(
          "button",
          { type: "button", class: "secondary", id: "copy-version", onclick: () => copy(usable) },
          "Copy into the editor",
        );
        clear(output, head, h("div", { class: "actions" }, copyButton, actionButtons(v, { viewing: true })), renderPersona(v.persona));
      }
      output.focus({ preventScroll: true });
      output.scrollIntoView({ block: "nearest" });
    } catch (thrown) {
      const error = apiError(thrown);
      clear(output, errorBox(error.message));
    }
  }

  async function showDiff(a: number, b: number): Promise<void> {
    from.value = String(a);
    to.value = String(b);
    clear(output, loading("Comparing…"));
    try {
      clear(output, renderDiff(await api<Reply<"getBusinessesByBusinessIdPersonasByPersonaIdDiff">>(`${personaUrl}/diff?from=${a}&to=${b}`)));
      output.scrollIntoView({ block: "nearest" });
    } catch (thrown) {
      const error = apiError(thrown);
      clear(output, errorBox(error.message));
    }
  }

  return {
    el: h(
      "section",
      { class: "versions-section", "aria-labelledby": "versions-title" },
      h("h3", { id: "versions-title" }, "Versions"),
      h("p", { class: "hint" }, "Every save is kept, whole: settings and voice. Making an older version live again saves it as a new version."),
      list,
      h("div", { class: "compare" }, h("span", {}, "Compare"), from, h("span", {}, "with"), to, compare),
      output,
    ),
    load,
    clearOutput: () => clear(output),
  };
}
