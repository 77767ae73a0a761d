// Channels: what is connected, a switch to turn each one on or off, and adding, renaming and
// removing them (a WhatsApp phone is linked here too: its QR code shows on its card).
import { api, apiError, type Channel, path, type Reply } from "./api.js";
import { CHANNEL_KINDS, clear, empty, errorBox, h, loading, when } from "./dom.js";
import { addChannelForm } from "./channel-form.js";
import { chatLookBlock } from "./chat-look.js";
import type { Page, PageContext } from "./page.js";
import { PHONE_LINK_POLL_MS, type PhoneLink, phoneLink } from "./phone-link.js";

export function mountChannels(view: HTMLElement, { business }: PageContext): Page {
  const base = path`/businesses/${business.id}`;
  const root = h("section", { class: "panel channels-page", "aria-labelledby": "channels-title" });
  const state = h("div", {}, loading("Loading channels…"));
  const list = h("ul", { id: "channel-list", class: "channel-list" });
  const form = addChannelForm(base, (created) => {
    void load().then(() =>
      document.querySelector(`#channel-list li[data-channel-id="${CSS.escape(created.id)}"]`)?.scrollIntoView({ block: "nearest" }),
    );
  });
  clear(
    root,
    h("div", { class: "panel-head" }, h("h2", { id: "channels-title" }, "Channels")),
    h("p", { class: "small muted" }, "Where customers reach the agent. A channel that is off gets no answers and cannot be used to reply."),
    state,
    list,
    form,
  );
  view.append(root);
  let destroyed = false;
  /** channel id -> its phone link block (whatsapp_web channels), refreshed while the page is open. */
  const links = new Map<string, PhoneLink>();
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function load(): Promise<void> {
    clear(state, loading("Loading channels…"));
    clear(list);
    links.clear();
    try {
      const { items } = await api<Reply<"getBusinessesByBusinessIdChannels">>(`${base}/channels`);
      if (destroyed) return;
      clear(state, items.length === 0 ? empty("No channels yet. Add one below.") : null);
      clear(list, items.map(card));
      schedule();
    } catch (thrown) {
      const error = apiError(thrown);
      if (!destroyed) clear(state, errorBox(`Could not load the channels. ${error.message}`, load));
    }
  }

  function schedule() {
    clearTimeout(timer);
    if (!destroyed && links.size > 0) timer = setTimeout(refresh, PHONE_LINK_POLL_MS);
  }

  async function refresh(): Promise<void> {
    if (document.hidden) return schedule();
    try {
      const { items } = await api<Reply<"getBusinessesByBusinessIdChannels">>(`${base}/channels`);
      if (destroyed) return;
      for (const channel of items) links.get(channel.id)?.update(channel);
    } catch (thrown) {
      const error = apiError(thrown);
      if (destroyed) return;
      for (const link of links.values()) link.failed(error.message);
    }
    schedule();
  }

  function card(channel: Channel): HTMLLIElement {
    const toggle = h("input", {
      type: "checkbox",
      class: "switch-input",
      checked: channel.enabled,
      dataset: { channelId: channel.id },
      "aria-label": `${channel.name} enabled`,
    });
    const stateText = h("span", { class: "switch-text" }, channel.enabled ? "On" : "Off");
    const error = h("div", { class: "error-box", role: "alert", hidden: true });
    const item = h(
      "li",
      { class: channel.enabled ? "channel" : "channel off", dataset: { kind: channel.kind, channelId: channel.id } },
      h(
        "div",
        { class: "channel-top" },
        h(
          "div",
          {},
          h("strong", {}, channel.name),
          channel.name === CHANNEL_KINDS[channel.kind] ? null : h("div", { class: "small muted" }, CHANNEL_KINDS[channel.kind] ?? channel.kind),
        ),
        h("label", { class: "switch" }, toggle, stateText),
      ),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, accountLabel(channel.kind)),
        h("dd", {}, h("code", {}, channel.platformAccountId)),
        h("dt", {}, "Added"),
        h("dd", {}, when(channel.createdAt)),
        ...details(channel),
      ),
      linkBlock(channel),
      chatLookBlock(channel, base),
      manageRow(channel),
      error,
    );
    toggle.addEventListener("change", async () => {
      const enabled = toggle.checked;
      toggle.disabled = true;
      stateText.textContent = enabled ? "Turning on…" : "Turning off…";
      error.hidden = true;
      try {
        const updated = await api<Reply<"patchBusinessesByBusinessIdChannelsByChannelId">>(`${base}/channels/${encodeURIComponent(channel.id)}`, {
          method: "PATCH",
          body: { enabled },
        });
        if (destroyed) return;
        channel.enabled = updated.enabled;
      } catch (thrown) {
        const e = apiError(thrown);
        if (destroyed) return;
        error.hidden = false;
        error.textContent = `Could not change it. ${e.message}`;
      } finally {
        toggle.checked = channel.enabled;
        toggle.disabled = false;
        stateText.textContent = channel.enabled ? "On" : "Off";
        item.classList.toggle("off", !channel.enabled);
      }
    });
    return item;
  }

  /** Rename and remove, each asked in place (no pop-up). */
  function manageRow(channel: Channel): HTMLDivElement {
    const row = h("div", { class: "channel-manage" });
    const problem = h("div", { class: "error-box", role: "alert", hidden: true });
    const fail = (e: Error) => {
      problem.hidden = false;
      problem.textContent = e.message;
    };
    function idle() {
      clear(
        row,
        h("button", { type: "button", class: "link-button rename-channel", onclick: renaming }, "Rename"),
        h("button", { type: "button", class: "link-button danger remove-channel", onclick: removing }, "Remove"),
        problem,
      );
    }
    function renaming() {
      problem.hidden = true;
      const input = h("input", { type: "text", class: "channel-name-input", value: channel.name, maxlength: 100, "aria-label": "New name" });
      const save = h("button", { type: "submit", class: "primary" }, "Save name");
      const formEl = h("form", { class: "inline-form" }, input, save, h("button", { type: "button", onclick: idle }, "Cancel"));
      formEl.addEventListener("submit", async (event) => {
        event.preventDefault();
        save.disabled = true;
        try {
          await api(`${base}/channels/${encodeURIComponent(channel.id)}`, { method: "PATCH", body: { name: input.value } });
          if (!destroyed) await load();
        } catch (thrown) {
          const e = apiError(thrown);
          save.disabled = false;
          fail(e);
        }
      });
      clear(row, formEl, problem);
      input.focus();
    }
    function removing() {
      problem.hidden = true;
      const confirm = h("button", { type: "button", class: "danger confirm-remove" }, "Remove it");
      confirm.addEventListener("click", async () => {
        confirm.disabled = true;
        try {
          await api(`${base}/channels/${encodeURIComponent(channel.id)}`, { method: "DELETE" });
          if (!destroyed) await load();
        } catch (thrown) {
          const e = apiError(thrown);
          confirm.disabled = false;
          fail(e);
        }
      });
      clear(
        row,
        h(
          "p",
          { class: "small" },
          `Remove “${channel.name}”? Its conversations and messages are deleted too${channel.kind === "whatsapp_web" ? ", and the phone is unlinked" : ""}. This cannot be undone.`,
        ),
        confirm,
        h("button", { type: "button", onclick: idle }, "Keep it"),
        problem,
      );
    }
    idle();
    return row;
  }

  function linkBlock(channel: Channel): HTMLDivElement | null {
    if (channel.kind !== "whatsapp_web") return null;
    const link = phoneLink(channel);
    link.update(channel);
    links.set(channel.id, link);
    return h("div", { class: "phone-link-wrap", dataset: { channelId: channel.id } }, h("h3", { class: "small" }, "Phone link"), link.root);
  }

  void load();
  return {
    destroy() {
      destroyed = true;
      clearTimeout(timer);
    },
  };
}

function accountLabel(kind: string): string {
  const labels: Record<string, string> = {
    webchat: "Chat page key",
    whatsapp_web: "Phone number",
    whatsapp_cloud: "Phone number ID",
    instagram: "Instagram account ID",
  };
  return labels[kind] ?? "Account";
}

function details(channel: Channel): HTMLElement[] {
  if (channel.kind === "webchat") {
    const url = `/chat/${encodeURIComponent(channel.platformAccountId)}`;
    return [h("dt", {}, "Chat page"), h("dd", {}, h("a", { href: url, target: "_blank", rel: "noopener" }, `${location.origin}${url}`))];
  }
  if (channel.kind === "whatsapp_web") return [h("dt", {}, "Groups"), h("dd", {}, channel.allowGroups ? "answered" : "ignored")];
  return [h("dt", {}, "Access token"), h("dd", {}, channel.hasCredentials ? "stored (sealed)" : "missing: the channel cannot send")];
}
