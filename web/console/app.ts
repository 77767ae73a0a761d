// The console's shell: sign in, business picker, sections (#/persona, #/inbox[/id], #/channels, #/hours, #/settings, #/knowledge, #/alerts), sign out.
import {
  api,
  type Business,
  messageOf,
  onUnauthorized,
  type Reply,
  session,
  signIn as exchangeKey,
  signOut,
  statusOf,
  type Who,
  whoAmI,
} from "./api.js";
import { byId, clear, errorBox, h, loading } from "./dom.js";
import type { MountPage, Page } from "./page.js";
import { mountChannels } from "./channels-page.js";
import { mountHours } from "./hours-page.js";
import { mountSettings } from "./settings-page.js";
import { mountInbox } from "./inbox-page.js";
import { mountKnowledge } from "./knowledge-page.js";
import { forgetDrafts, mountPersona } from "./persona-page.js";
import { hideQueuesLink, showQueuesLinkIfOwner } from "./queues-link.js";
import { mountAlerts, registerServiceWorker, unsubscribeHere } from "./alerts-page.js";
import { watchAttention } from "./attention.js";

const PAGES: Record<string, MountPage> = {
  persona: mountPersona,
  inbox: mountInbox,
  channels: mountChannels,
  hours: mountHours,
  settings: mountSettings,
  knowledge: mountKnowledge,
  alerts: mountAlerts,
};
const DEFAULT_PAGE = "persona";

const boot = byId("boot", HTMLDivElement),
  login = byId("login", HTMLElement),
  shell = byId("shell", HTMLDivElement),
  view = byId("view", HTMLElement);
const loginForm = byId("login-form", HTMLFormElement),
  keyInput = byId("api-key", HTMLInputElement),
  loginError = byId("login-error", HTMLDivElement),
  loginButton = byId("login-submit", HTMLButtonElement);

let businesses: Business[] = [];
let current: { name: string; page: Page } | null = null;
/** The title count of the selected business. */
let attention: ({ businessId: string } & ReturnType<typeof watchAttention>) | null = null;

function route(): { name: string; param: string | undefined } {
  const [name = "", param] = location.hash.replace(/^#\/?/, "").split("/");
  return { name: PAGES[name] ? name : DEFAULT_PAGE, param: param ? decodeURIComponent(param) : undefined };
}

function showLogin(message?: string): void {
  unmount();
  watch(null);
  businesses = [];
  forgetDrafts();
  hideQueuesLink();
  boot.hidden = true;
  shell.hidden = true;
  login.hidden = false;
  loginError.hidden = !message;
  loginError.textContent = message ?? "";
  keyInput.value = "";
  keyInput.focus();
}

function business(): Business | undefined {
  return businesses.find((b) => b.id === session.businessId()) ?? businesses[0];
}

function renderBusinessPicker() {
  const slot = byId("business-slot", HTMLSpanElement);
  const selected = business();
  if (businesses.length <= 1) {
    clear(slot, h("span", { id: "business-name", class: "business-name", title: selected?.slug ?? "" }, selected?.name ?? "No business"));
    return;
  }
  const select = h(
    "select",
    {
      id: "business-select",
      "aria-label": "Business",
      onchange: () => {
        session.setBusinessId(select.value);
        // Conversations belong to one business: a switch goes back to the section's start.
        if (route().param) history.replaceState(null, "", `#/${route().name}`);
        remount();
      },
    },
    businesses.map((b) =>
      h(
        "option",
        { value: b.id, selected: b.id === selected?.id },
        businesses.some((o) => o !== b && o.name === b.name) ? `${b.name} (${b.slug})` : b.name,
      ),
    ),
  );
  clear(slot, select);
}

function showShell() {
  boot.hidden = true;
  login.hidden = true;
  shell.hidden = false;
  renderBusinessPicker();
  remount();
}

function unmount() {
  current?.page.destroy?.();
  current = null;
}

function watch(selected: Business | undefined | null): void {
  if (attention?.businessId === selected?.id) return;
  attention?.stop();
  attention = selected ? { businessId: selected.id, ...watchAttention(selected) } : null;
}

function remount() {
  unmount();
  navigate();
}

function navigate() {
  if (shell.hidden) return;
  const { name, param } = route();
  for (const link of document.querySelectorAll<HTMLAnchorElement>(".tabs a")) link.classList.toggle("active", link.dataset.route === name);
  if (current?.name === name && current.page.update) return current.page.update(param);
  unmount();
  const selected = business();
  watch(selected);
  if (!selected) {
    clear(
      view,
      h(
        "div",
        { class: "card" },
        h("h2", {}, "No business yet"),
        h("p", {}, "This key does not open any business. Ask the person who set up this server to create yours, or to give you the key for it."),
      ),
    );
    return;
  }
  clear(view);
  const mount = PAGES[name] ?? mountPersona;
  current = { name, page: mount(view, { business: selected, businesses, param }) };
}

/** Opens the console for whoever the session cookie signs in ({owner}). */
async function enter(who: Who): Promise<void> {
  const { items } = await api<Reply<"getBusinesses">>("/businesses");
  businesses = items;
  if (!items.some((b) => b.id === session.businessId()) && items[0]) session.setBusinessId(items[0].id);
  showShell();
  showQueuesLinkIfOwner(who.owner);
}

async function signIn(key: string): Promise<void> {
  await enter(await exchangeKey(key));
}

loginForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  if (!key) {
    loginError.hidden = false;
    loginError.textContent = "Paste your API key first.";
    return;
  }
  loginButton.disabled = true;
  loginButton.textContent = "Checking…";
  loginError.hidden = true;
  try {
    await signIn(key);
  } catch (error) {
    loginError.hidden = false;
    loginError.textContent = messageOf(error);
  } finally {
    loginButton.disabled = false;
    loginButton.textContent = "Sign in";
  }
});

byId("logout", HTMLAnchorElement).addEventListener("click", async (event) => {
  event.preventDefault();
  history.replaceState(null, "", location.pathname);
  try {
    await unsubscribeHere();
    await signOut();
  } catch {
    // Signed out already, or the server is unreachable: the sign-in page shows either way.
  }
  session.clear();
  signedOutElsewhere?.postMessage("signed-out");
  showLogin();
});

// Other console tabs of this browser show the sign-in at once when one tab logs out.
const signedOutElsewhere = "BroadcastChannel" in window ? new BroadcastChannel("parlor-console") : null;
signedOutElsewhere?.addEventListener("message", (event) => {
  if (event.data === "signed-out" && login.hidden) showLogin("You logged out in another tab.");
});

onUnauthorized(() => showLogin("You were signed out (signed out elsewhere, expired, or the API key was revoked). Sign in again."));
window.addEventListener("hashchange", () => {
  if (location.hash === "#/logout") return;
  navigate();
});

async function start(): Promise<void> {
  boot.hidden = false;
  clear(boot, loading("Signing in…"));
  try {
    await enter(await whoAmI());
  } catch (error) {
    if (statusOf(error) === 401) return showLogin();
    clear(boot, errorBox(messageOf(error), start));
  }
}

void registerServiceWorker();
start();
