// "Add a channel": the kinds as people say them, the fields each needs, and plain answers when the
// server says no (a token WhatsApp or Instagram did not confirm, an address already taken...).
import { api, apiError, type Body, type Reply } from "./api.js";
import { h } from "./dom.js";

type NewChannel = Body<"postBusinessesByBusinessIdChannels">;
export type CreatedChannel = Reply<"postBusinessesByBusinessIdChannels">;

interface KindChoice {
  readonly kind: NewChannel["kind"];
  readonly label: string;
  readonly help: string;
  readonly account: { readonly label: string; readonly placeholder: string; readonly hint: string };
  readonly groups?: boolean;
  readonly token?: boolean;
}

const KINDS: KindChoice[] = [
  {
    kind: "webchat",
    label: "Web chat",
    help: "A chat page on this server you can link from your website.",
    account: {
      label: "Chat page address",
      placeholder: "e.g. corner-bakery",
      hint: "Letters, digits, - and _ only. Your page will be at /chat/<address>.",
    },
  },
  {
    kind: "whatsapp_web",
    label: "WhatsApp (your phone)",
    help: "Your own WhatsApp number, linked like WhatsApp Web: after adding it, scan the code that appears here with your phone.",
    account: { label: "Phone number", placeholder: "+34 600 111 222", hint: "With the country code." },
    groups: true,
  },
  {
    kind: "whatsapp_cloud",
    label: "WhatsApp Business API",
    help: "A number on Meta's WhatsApp Business Platform. Meta is asked to confirm the token controls the number before it is added.",
    account: { label: "Phone number ID", placeholder: "e.g. 106540352242922", hint: "From Meta's app dashboard, WhatsApp > API setup." },
    token: true,
  },
  {
    kind: "instagram",
    label: "Instagram",
    help: "An Instagram professional account's direct messages. Instagram is asked to confirm the token before it is added.",
    account: { label: "Instagram account ID", placeholder: "e.g. 17841400000000000", hint: "From Meta's app dashboard." },
    token: true,
  },
];

const PROBLEMS: Record<string, string> = {
  CHANNEL_NOT_VERIFIED:
    "Meta did not confirm that this token controls that account, or the account is connected already. Check the ID and the token.",
  CHANNEL_TAKEN: "That address is used by another channel already. Choose another.",
  CHANNEL_LIMIT: "This business has as many channels as it may have. Remove one first.",
  SECRETS_KEY_NOT_CONFIGURED: "This server cannot store access tokens yet. Ask whoever runs Parlor to set a secrets key.",
  PLATFORM_UNAVAILABLE: "Meta could not be reached to check the token. Try again in a moment.",
};

/** The form; onAdded(channel) after the server added one. */
export function addChannelForm(base: string, onAdded: (channel: CreatedChannel) => void): HTMLFormElement {
  const kindSelect = h(
    "select",
    { id: "new-channel-kind", "aria-label": "Kind of channel" },
    KINDS.map((k) => h("option", { value: k.kind }, k.label)),
  );
  const help = h("p", { class: "small muted", id: "new-channel-help" });
  const name = h("input", { type: "text", id: "new-channel-name", maxlength: 100, placeholder: "e.g. Website chat" });
  const account = h("input", { type: "text", id: "new-channel-account", maxlength: 100, autocapitalize: "off", spellcheck: "false" });
  const accountLabel = h("label", { for: "new-channel-account" });
  const accountHint = h("p", { class: "small muted" });
  const token = h("input", { type: "password", id: "new-channel-token", autocomplete: "off", spellcheck: "false" });
  const tokenRow = h(
    "div",
    { class: "field" },
    h("label", { for: "new-channel-token" }, "Access token"),
    token,
    h("p", { class: "small muted" }, "A permanent token from Meta's app dashboard. It is stored sealed and never shown again."),
  );
  const groups = h("input", { type: "checkbox", id: "new-channel-groups" });
  const groupsRow = h("label", { class: "check" }, groups, " Answer group chats too");
  const error = h("div", { class: "error-box", role: "alert", hidden: true, id: "new-channel-error" });
  const submit = h("button", { type: "submit", class: "primary", id: "new-channel-submit" }, "Add channel");
  const form = h(
    "form",
    { class: "card add-channel", id: "add-channel", novalidate: true },
    h("h3", {}, "Add a channel"),
    h("div", { class: "field" }, h("label", { for: "new-channel-kind" }, "Kind"), kindSelect, help),
    h("div", { class: "field" }, h("label", { for: "new-channel-name" }, "Name (for you)"), name),
    h("div", { class: "field" }, accountLabel, account, accountHint),
    tokenRow,
    groupsRow,
    error,
    submit,
  );

  const chosen = (): KindChoice => KINDS.find((x) => x.kind === kindSelect.value) ?? KINDS[0]!;

  function show() {
    const k = chosen();
    help.textContent = k.help;
    accountLabel.textContent = k.account.label;
    account.placeholder = k.account.placeholder;
    accountHint.textContent = k.account.hint;
    tokenRow.hidden = !k.token;
    groupsRow.hidden = !k.groups;
  }
  kindSelect.addEventListener("change", show);
  show();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const k = chosen();
    error.hidden = true;
    const fail = (message: string) => {
      error.hidden = false;
      error.textContent = message;
    };
    const accountId = k.kind === "whatsapp_web" ? account.value.replace(/[\s().-]/g, "") : account.value.trim();
    if (!accountId) return fail(`Fill in the ${k.account.label.toLowerCase()}.`);
    if (k.token && !token.value.trim()) return fail("Paste the access token.");
    // One of NewChannel's kinds, built field by field as the kind needs.
    const body: { kind: NewChannel["kind"]; platformAccountId: string; name: string; credentials?: { accessToken: string }; allowGroups?: boolean } =
      {
        kind: k.kind,
        platformAccountId: accountId,
        ...(name.value.trim() ? { name: name.value.trim() } : { name: k.label }),
      };
    if (k.token) body.credentials = { accessToken: token.value.trim() };
    if (k.groups) body.allowGroups = groups.checked;
    submit.disabled = true;
    submit.textContent = k.token ? "Checking with Meta…" : "Adding…";
    try {
      const created = await api<CreatedChannel>(`${base}/channels`, { method: "POST", body });
      form.reset();
      show();
      onAdded(created);
    } catch (thrown) {
      const e = apiError(thrown);
      fail(PROBLEMS[e.code] ?? e.message);
    } finally {
      submit.disabled = false;
      submit.textContent = "Add channel";
    }
  });
  return form;
}
