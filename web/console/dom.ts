// Small DOM helpers: every text goes in through textContent, never innerHTML.

/** What h() and clear() take as children: nodes and texts, nested arrays of them; null/undefined/false are left out. */
export type Child = Node | string | number | null | undefined | false | readonly Child[];
/** h()'s attributes: on* functions are listeners, the rest properties or attributes (see h). */
export type Attrs = Record<string, unknown>;

const PROPERTIES = ["value", "checked", "disabled", "hidden", "selected", "readOnly"];

/** The element with this id, of this type; throws when index.html has no such element (a bug, not a state). */
export function byId<T extends HTMLElement>(id: string, type: abstract new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`#${id} is missing or is not a ${type.name}`);
  return el;
}

/** The first element under root matching selector, of this type; throws when there is none. */
export function find<T extends Element>(root: ParentNode, selector: string, type: abstract new () => T): T {
  const el = root.querySelector(selector);
  if (!(el instanceof type)) throw new Error(`${selector} is missing or is not a ${type.name}`);
  return el;
}

/**
 * h("button", {class: "primary", onclick: fn, disabled: true}, "Save") -> <button>.
 * Keys starting with "on" add listeners; class/text/dataset are special; value/checked/disabled/hidden
 * are set as properties; anything else becomes an attribute (null/false leaves it out).
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs | null = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value as EventListener);
    else if (key === "class") el.className = String(value);
    else if (key === "text") el.textContent = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (PROPERTIES.includes(key)) (el as unknown as Record<string, unknown>)[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear<T extends Element>(el: T, ...children: Child[]): T {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function loading(text: string): HTMLParagraphElement {
  return h("p", { class: "loading", role: "status" }, text);
}

/** An error box with the message and an optional "Try again" button. */
export function errorBox(message: string, retry?: () => unknown): HTMLDivElement {
  return h(
    "div",
    { class: "error-box", role: "alert" },
    h("span", { text: message }),
    retry ? h("button", { type: "button", class: "link-button", onclick: retry }, "Try again") : null,
  );
}

export function empty(text: string): HTMLParagraphElement {
  return h("p", { class: "empty" }, text);
}

const TIME = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const DATE_TIME = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
const DATE_TIME_YEAR = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });

/** Always with its day: "today 14:02", "yesterday 14:02", "Tue 3 Dec, 14:02", with the year when it is not this one. */
export function when(iso: string | Date): string {
  const date = new Date(iso);
  const now = new Date();
  const days = Math.round(
    (new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime() - new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime()) /
      86_400_000,
  );
  if (days === 0) return `today ${TIME.format(date)}`;
  if (days === 1) return `yesterday ${TIME.format(date)}`;
  return (date.getFullYear() === now.getFullYear() ? DATE_TIME : DATE_TIME_YEAR).format(date);
}

/** Now, with its day: "today 14:02:05". */
export function clock(): string {
  return `today ${new Date().toLocaleTimeString()}`;
}

/** 32 random hex characters: works without a secure context, unlike crypto.randomUUID(). */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export const CHANNEL_KINDS: Record<string, string> = {
  webchat: "Web chat",
  whatsapp_web: "WhatsApp (your phone)",
  whatsapp_cloud: "WhatsApp Business API",
  instagram: "Instagram",
};

/** "Web chat", or "Shop phone · WhatsApp (linked phone)" when the name says something the kind does not. */
export function channelLabel(channel: { readonly kind: string; readonly name?: string | null }): string {
  const kind = CHANNEL_KINDS[channel.kind] ?? channel.kind;
  // A channel added without a name is named after its kind's code ("whatsapp_web"): that says nothing more.
  return channel.name === kind || channel.name === channel.kind || !channel.name ? kind : `${channel.name} · ${kind}`;
}
