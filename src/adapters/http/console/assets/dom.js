// Small DOM helpers: every text goes in through textContent, never innerHTML.

/**
 * h("button", {class: "primary", onclick: fn, disabled: true}, "Save") -> <button>.
 * Keys starting with "on" add listeners; class/text/dataset are special; value/checked/disabled/hidden
 * are set as properties; anything else becomes an attribute (null/false leaves it out).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (["value", "checked", "disabled", "hidden", "selected", "readOnly"].includes(key)) el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function loading(text) {
  return h("p", { class: "loading", role: "status" }, text);
}

/** An error box with the message and an optional "Try again" button. */
export function errorBox(message, retry) {
  return h(
    "div",
    { class: "error-box", role: "alert" },
    h("span", { text: message }),
    retry ? h("button", { type: "button", class: "link-button", onclick: retry }, "Try again") : null,
  );
}

export function empty(text) {
  return h("p", { class: "empty" }, text);
}

const TIME = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const DATE_TIME = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
const DATE_TIME_YEAR = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });

/** Always with its day: "today 14:02", "yesterday 14:02", "Tue 3 Dec, 14:02", with the year when it is not this one. */
export function when(iso) {
  const date = new Date(iso);
  const now = new Date();
  const days = Math.round(
    (new Date(now.getFullYear(), now.getMonth(), now.getDate()) - new Date(date.getFullYear(), date.getMonth(), date.getDate())) / 86_400_000,
  );
  if (days === 0) return `today ${TIME.format(date)}`;
  if (days === 1) return `yesterday ${TIME.format(date)}`;
  return (date.getFullYear() === now.getFullYear() ? DATE_TIME : DATE_TIME_YEAR).format(date);
}

/** Now, with its day: "today 14:02:05". */
export function clock() {
  return `today ${new Date().toLocaleTimeString()}`;
}

/** 32 random hex characters: works without a secure context, unlike crypto.randomUUID(). */
export function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export const CHANNEL_KINDS = {
  webchat: "Web chat",
  whatsapp_web: "WhatsApp (your phone)",
  whatsapp_cloud: "WhatsApp Business API",
  instagram: "Instagram",
};

/** "Web chat", or "Shop phone · WhatsApp (linked phone)" when the name says something the kind does not. */
export function channelLabel(channel) {
  const kind = CHANNEL_KINDS[channel.kind] ?? channel.kind;
  // A channel added without a name is named after its kind's code ("whatsapp_web"): that says nothing more.
  return channel.name === kind || channel.name === channel.kind || !channel.name ? kind : `${channel.name} · ${kind}`;
}
