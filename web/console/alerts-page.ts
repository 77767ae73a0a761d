// Alerts & sign-ins: push alerts on this device (what they are about), a sound in this tab, and
// the browsers signed in with this key (each can be signed out from here).
import { api, apiError, path, type Reply } from "./api.js";
import { sound } from "./attention.js";
import { byId, clear, errorBox, h, loading, when } from "./dom.js";
import type { Page } from "./page.js";

type AlertsState = Reply<"getAlerts">;

/** Registers the console's service worker (alerts, and installing the console as an app). */
export function registerServiceWorker(): Promise<ServiceWorkerRegistration | null> {
  if (!("serviceWorker" in navigator)) return Promise.resolve(null);
  return navigator.serviceWorker.register("/console/sw.js", { scope: "/console/" }).catch(() => null);
}

function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(text.length / 4) * 4, "=");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

async function currentSubscription() {
  const registration = await registerServiceWorker();
  if (!registration) return { registration: null, subscription: null };
  return { registration, subscription: await registration.pushManager.getSubscription() };
}

/** Turns alerts on for this browser: permission, a push subscription, and the server told of it. */
async function subscribeHere(publicKey: string): Promise<void> {
  if (!publicKey) throw new Error("This server is not set up to send alerts.");
  const permission = await Notification.requestPermission();
  if (permission !== "granted")
    throw new Error("Notifications are blocked for this site. Allow them in the browser's site settings, then try again.");
  const { registration } = await currentSubscription();
  if (!registration) throw new Error("This browser cannot show alerts from this page.");
  await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(publicKey) });
  const json = subscription.toJSON();
  await api("/alerts/subscriptions", { method: "POST", body: { endpoint: json.endpoint, keys: json.keys } });
}

/** On sign-out: this browser stops getting alerts for the key that signs out. */
export async function unsubscribeHere(): Promise<void> {
  try {
    const { subscription } = await currentSubscription();
    if (!subscription) return;
    await api("/alerts/subscriptions", { method: "DELETE", body: { endpoint: subscription.endpoint } }).catch(() => undefined);
    await subscription.unsubscribe();
  } catch {
    // nothing subscribed, or no service worker: nothing to undo
  }
}

export function mountAlerts(view: HTMLElement): Page {
  const root = h("section", { class: "panel alerts-page", "aria-labelledby": "alerts-title" });
  const device = h("div", { id: "alerts-device" }, loading("Checking this device…"));
  const kinds = h("div", { id: "alerts-kinds" });
  const sessions = h("div", { id: "sessions" }, loading("Loading sign-ins…"));
  const soundBox = h("input", { type: "checkbox", id: "alert-sound", checked: sound.on(), onchange: () => sound.set(soundBox.checked) });
  clear(
    root,
    h("div", { class: "panel-head" }, h("h2", { id: "alerts-title" }, "Alerts")),
    h("p", { class: "small muted" }, "Get a notification on this phone or computer when a customer needs a person, even when the console is closed."),
    device,
    kinds,
    h("label", { class: "check" }, soundBox, " Play a sound in this tab when something new needs you"),
    h("h3", {}, "Signed in"),
    sessions,
  );
  view.append(root);
  let destroyed = false;

  async function loadDevice() {
    try {
      const state = await api<AlertsState>("/alerts");
      if (destroyed) return;
      renderKinds(state);
      if (!state.available)
        return clear(device, h("p", { class: "muted" }, "This server is not set up to send alerts. Ask whoever runs Parlor to set a secrets key."));
      if (!("PushManager" in window) || !("serviceWorker" in navigator))
        return clear(
          device,
          h(
            "p",
            { class: "muted" },
            "This browser cannot get alerts. On an iPhone, add the console to your home screen first (Share, then Add to Home Screen) and open it from there.",
          ),
        );
      const { subscription } = await currentSubscription();
      if (destroyed) return;
      const status = h("p", { id: "alerts-status" }, subscription ? "Alerts are on for this device." : "Alerts are off for this device.");
      const error = h("div", { class: "error-box", role: "alert", hidden: true });
      const button = h(
        "button",
        { type: "button", id: subscription ? "alerts-off" : "alerts-on", class: subscription ? "" : "primary" },
        subscription ? "Turn off on this device" : "Turn on alerts on this device",
      );
      button.addEventListener("click", async () => {
        button.disabled = true;
        error.hidden = true;
        try {
          if (subscription) await unsubscribeHere();
          else await subscribeHere(state.publicKey ?? "");
          await loadDevice();
        } catch (thrown) {
          const e = apiError(thrown);
          error.hidden = false;
          error.textContent = e.message || "Could not change the alerts.";
          button.disabled = false;
        }
      });
      clear(device, status, button, error);
    } catch (thrown) {
      const e = apiError(thrown);
      if (!destroyed) clear(device, errorBox(`Could not load the alerts. ${e.message}`, loadDevice));
    }
  }

  function renderKinds(state: AlertsState): void {
    const box = (id: string, key: "handoffs" | "waiting", label: string) => {
      const input = h("input", { type: "checkbox", id, checked: state[key] });
      input.addEventListener("change", async () => {
        input.disabled = true;
        try {
          const next = await api<Reply<"putAlerts">>("/alerts", {
            method: "PUT",
            body: { handoffs: byId("alert-handoffs", HTMLInputElement).checked, waiting: byId("alert-waiting", HTMLInputElement).checked },
          });
          Object.assign(state, next);
        } catch {
          input.checked = state[key];
        } finally {
          input.disabled = false;
        }
      });
      return h("label", { class: "check" }, input, ` ${label}`);
    };
    clear(
      kinds,
      h("p", { class: "small" }, "Alert every device signed in with this key about:"),
      box("alert-handoffs", "handoffs", "A conversation handed to you (the customer asked for a person, a refund, a complaint…)"),
      box("alert-waiting", "waiting", "A customer writing while the agent is paused for them"),
    );
  }

  async function loadSessions() {
    try {
      const { items } = await api<Reply<"getSessions">>("/sessions");
      if (destroyed) return;
      clear(
        sessions,
        h(
          "ul",
          { class: "session-list" },
          items.map((s) =>
            h(
              "li",
              { dataset: { sessionId: s.id } },
              h("strong", {}, s.device),
              s.current ? h("span", { class: "badge" }, "this browser") : null,
              h("div", { class: "small muted" }, `Signed in ${when(s.createdAt)} · until ${when(s.expiresAt)}`),
              s.current ? null : h("button", { type: "button", class: "link-button", onclick: () => signOutSession(s.id) }, "Sign out"),
            ),
          ),
        ),
      );
    } catch (thrown) {
      const e = apiError(thrown);
      if (!destroyed) clear(sessions, errorBox(`Could not load the sign-ins. ${e.message}`, loadSessions));
    }
  }

  async function signOutSession(id: string): Promise<void> {
    try {
      await api(path`/sessions/${id}`, { method: "DELETE" });
    } finally {
      await loadSessions();
    }
  }

  void loadDevice();
  void loadSessions();
  return {
    destroy() {
      destroyed = true;
    },
  };
}
