// Persona editor (the whole persona as a form; every save is a new version; list, compare, roll back) beside the live "Try it" chat.
import { api, apiError, path, type Reply } from "./api.js";
import { clear, errorBox, h, loading } from "./dom.js";
import { editorLeft, mountEditor } from "./persona-editor.js";
import type { Page, PageContext } from "./page.js";
import { channelPersona, mountTryChat, type TryChat } from "./try-chat.js";

export { forgetDrafts } from "./persona-editor.js";

export function mountPersona(view: HTMLElement, { business }: PageContext): Page {
  const base = path`/businesses/${business.id}`;
  const root = h("div", { class: "persona-page" }, loading("Loading the persona…"));
  view.append(root);
  let destroyed = false;
  let chat: TryChat | null = null;
  let editor: { destroy(): void } | null = null;

  async function load() {
    clear(root, loading("Loading the persona…"));
    chat?.destroy();
    try {
      const [{ items: personas }, { items: channels }] = await Promise.all([
        api<Reply<"getBusinessesByBusinessIdPersonas">>(`${base}/personas`),
        api<Reply<"getBusinessesByBusinessIdChannels">>(`${base}/channels`),
      ]);
      if (destroyed) return;
      if (personas.length === 0) {
        clear(
          root,
          h(
            "div",
            { class: "card" },
            h("h2", {}, "No persona yet"),
            h(
              "p",
              {},
              "This business has no persona yet, so the agent cannot answer anyone. Ask the person who set up this server to add one for you.",
            ),
          ),
        );
        return;
      }
      const editorPanel = h("section", { class: "panel editor", "aria-labelledby": "persona-title" });
      const chatPanel = h("section", { id: "try-panel", class: "panel try-it" });
      const jump = h(
        "button",
        { id: "jump-try", type: "button", class: "link-button", onclick: () => chatPanel.scrollIntoView({ behavior: "smooth", block: "start" }) },
        "Go to Try it ↓",
      );
      clear(root, h("div", { class: "jump" }, jump), h("div", { class: "two-columns" }, editorPanel, chatPanel));
      chat = mountTryChat(chatPanel, { base, channels, personas });
      const preferred =
        channelPersona(
          channels.find((c) => c.kind === "webchat" && c.enabled),
          personas,
        ) ?? personas[0]!;
      editor = mountEditor(editorPanel, {
        base,
        personas,
        personaId: preferred.id,
        onSaved: (personaId, version, kind) => chat?.personaSaved(personaId, version, kind),
      });
    } catch (thrown) {
      const error = apiError(thrown);
      if (!destroyed) clear(root, errorBox(`Could not load the persona. ${error.message}`, load));
    }
  }

  void load();
  return {
    destroy() {
      destroyed = true;
      editorLeft();
      chat?.destroy();
      editor?.destroy();
    },
  };
}
