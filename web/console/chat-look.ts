// A web chat's page as the business styles it (colour, logo), the websites that may show it, and
// the line to put on those websites. Saved through PATCH .../channels/:id {chatPage}.
import { api, apiError, type Channel, type Reply } from "./api.js";
import { h } from "./dom.js";

const DEFAULT_COLOR = "#2f6f4f";

type LookKey = "color" | "logoUrl" | "sites";

/** The block under a web chat channel's card; null for other kinds. */
export function chatLookBlock(channel: Channel, base: string): HTMLDetailsElement | null {
  if (channel.kind !== "webchat") return null;
  const look = channel.chatPage ?? { color: null, logoUrl: null, sites: [] };
  const id = (name: string) => `look-${name}-${channel.id}`;
  const fieldError = (name: string) => h("p", { id: `${id(name)}-error`, class: "field-error", hidden: true });
  const color = h("input", { id: id("color"), type: "color", class: "color-input", value: look.color ?? DEFAULT_COLOR });
  const logo = h("input", {
    id: id("logo"),
    type: "url",
    inputmode: "url",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "https://your-site.example/logo.png",
    value: look.logoUrl ?? "",
  });
  const sites = h("textarea", {
    id: id("sites"),
    rows: "2",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "https://your-site.example",
    value: look.sites.join("\n"),
  });
  const errors: Record<LookKey, HTMLParagraphElement> = { color: fieldError("color"), logoUrl: fieldError("logo"), sites: fieldError("sites") };
  const inputs: Record<LookKey, HTMLInputElement | HTMLTextAreaElement> = { color, logoUrl: logo, sites };
  const save = h("button", { type: "button", class: "primary", dataset: { action: "save-look" }, disabled: true }, "Save the look");
  const why = h("p", { class: "hint", dataset: { role: "look-why" } });
  const status = h("span", { class: "status", role: "status" });
  const snippet = `<script src="${location.origin}/widget.js" data-channel="${channel.platformAccountId}" async></script>`;

  let saved = { color: look.color ?? DEFAULT_COLOR, logoUrl: look.logoUrl ?? "", sites: look.sites.join("\n") };
  const current = () => ({ color: color.value.toLowerCase(), logoUrl: logo.value.trim(), sites: siteList().join("\n") });
  const siteList = () =>
    sites.value
      .split(/[\s,]+/)
      .map((s) => s.trim().replace(/\/+$/, ""))
      .filter(Boolean);

  function clearMarks() {
    for (const [key, box] of Object.entries(errors) as [LookKey, HTMLParagraphElement][]) {
      box.hidden = true;
      inputs[key].removeAttribute("aria-invalid");
    }
  }
  function mark(key: LookKey, message: string): void {
    errors[key].textContent = message;
    errors[key].hidden = false;
    inputs[key].setAttribute("aria-invalid", "true");
    inputs[key].setAttribute("aria-describedby", errors[key].id);
  }
  /** Save only when something changed and the logo address can work; the server checks the rest. */
  function refresh() {
    const now = current();
    const changed = JSON.stringify(now) !== JSON.stringify(saved);
    const badLogo = now.logoUrl !== "" && !/^https:\/\/\S+$/i.test(now.logoUrl);
    why.textContent = badLogo ? "The logo address must start with https:// so every visitor's browser shows it." : "";
    save.disabled = !changed || badLogo;
  }
  for (const input of [color, logo, sites]) input.addEventListener("input", () => ((status.textContent = ""), refresh()));

  save.addEventListener("click", async () => {
    clearMarks();
    save.disabled = true;
    status.textContent = "Saving…";
    const now = current();
    try {
      const updated = await api<Reply<"patchBusinessesByBusinessIdChannelsByChannelId">>(`${base}/channels/${encodeURIComponent(channel.id)}`, {
        method: "PATCH",
        body: { chatPage: { color: now.color, logoUrl: now.logoUrl || null, sites: siteList() } },
      });
      const page = updated.chatPage ?? { color: null, logoUrl: null, sites: [] };
      saved = { color: page.color ?? DEFAULT_COLOR, logoUrl: page.logoUrl ?? "", sites: page.sites.join("\n") };
      sites.value = saved.sites;
      status.textContent = "Saved. The chat page shows it within a few seconds.";
    } catch (thrown) {
      const error = apiError(thrown);
      status.textContent = "";
      // The server names the field: its words go next to that input.
      const problems: { field?: string }[] = error.details?.problems?.length ? error.details.problems : [{ field: error.details?.field ?? "" }];
      const placed = problems
        .map((p) => /^body\.chatPage\.(color|logoUrl|sites)/.exec(p.field ?? "")?.[1] as LookKey | undefined)
        .filter((key): key is LookKey => Boolean(key));
      if (placed.length > 0) for (const key of new Set(placed)) mark(key, error.message);
      else status.textContent = `Not saved. ${error.message}`;
    } finally {
      refresh();
    }
  });

  const field = (label: string, input: HTMLElement, hint: string | null, error: HTMLElement) =>
    h("div", { class: "field" }, h("label", { for: input.id }, label), input, hint ? h("p", { class: "hint" }, hint) : null, error);
  return h(
    "details",
    { class: "chat-look", dataset: { channelId: channel.id } },
    h("summary", {}, "Chat page look and your website"),
    field("Colour", color, "The header, the send button and the visitor's messages.", errors.color),
    field("Logo address", logo, "An image on your own site, starting with https://. Leave empty for none.", errors.logoUrl),
    field(
      "Websites that show the chat",
      sites,
      "One per line, like https://your-site.example (no page path). Only these can show the chat bubble.",
      errors.sites,
    ),
    h("div", { class: "actions" }, save, status),
    why,
    h("p", { class: "sublabel" }, "Put this line on your website's pages to add the chat bubble:"),
    h("pre", { class: "snippet", dataset: { role: "widget-snippet" } }, snippet),
  );
}
