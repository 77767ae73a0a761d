// The console's shell: sign in, business picker, sections (#/persona, #/inbox[/id], #/channels, #/hours, #/settings, #/knowledge, #/alerts), sign out.
import { api, onUnauthorized, session, signIn as exchangeKey, signOut, whoAmI } from "./api.js";
import { clear, errorBox, h, loading } from "./dom.js";
import { mountChannels } from "./channels-page.js";
import { mountHours } from "./hours-page.js";
import { mountSettings } from "./settings-page.js";
import { mountInbox } from "./inbox-page.js";
import { mountKnowledge } from "./knowledge-page.js";
import { forgetDrafts, mountPersona } from "./persona-page.js";
import { hideQueuesLink, showQueuesLinkIfOwner } from "./queues-link.js";
import { mountAlerts, registerServiceWorker, unsubscribeHere } from "./alerts-page.js";
import { watchAttention } from "./attention.js";

const PAGES = {
  persona: mountPersona,
  inbox: mountInbox,
  channels: mountChannels,
  hours: mountHours,
  settings: mountSettings,
  knowledge: mountKnowledge,
  alerts: mountAlerts,
};
const DEFAULT_PAGE = "persona";

const $ = (id) => document.getElementById(id);
const boot = $("boot"),
  login = $("login"),
  shell = $("shell"),
  view = $("view");
const loginForm = $("login-form"),
  keyInput = $("api-key"),
  loginError = $("login-error"),
  loginButton = $("login-submit");

let businesses = [];
let current = null; // { name, page: {destroy, update?} }
let attention = null; // the title count of the selected business

function route() {
  const [name = "", param] = location.hash.replace(/^#\/?/, "").split("/");
  return { name: PAGES[name] ? name : DEFAULT_PAGE, param: param ? decodeURIComponent(param) : undefined };
}

function showLogin(message) {
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

function business() {
  return businesses.find((b) => b.id === session.businessId()) ?? businesses[0];
}

function renderBusinessPicker() {
  const slot = $("business-slot");
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
        { value: b.id, selected: b.id === selected.id },
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

function watch(selected) {
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
  for (const link of document.querySelectorAll(".tabs a")) link.classList.toggle("active", link.dataset.route === name);
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
  current = { name, page: PAGES[name](view, { business: selected, businesses, param }) };
}

/** Opens the console for whoever the session cookie signs in ({owner}). */
async function enter(who) {
  const { items } = await api("/businesses");
  businesses = items;
  if (!items.some((b) => b.id === session.businessId()) && items[0]) session.setBusinessId(items[0].id);
  showShell();
  showQueuesLinkIfOwner(who.owner);
}

async function signIn(key) {
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
    loginError.textContent = error.message;
  } finally {
    loginButton.disabled = false;
    loginButton.textContent = "Sign in";
  }
});

$("logout").addEventListener("click", async (event) => {
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

async function start() {
  boot.hidden = false;
  clear(boot, loading("Signing in…"));
  try {
    await enter(await whoAmI());
  } catch (error) {
    if (error.status === 401) return showLogin();
    clear(boot, errorBox(error.message, start));
  }
}

void registerServiceWorker();
start();
