// A whatsapp-web.js channel's link to the phone: the pairing QR code to scan and the live state,
// as the worker hosting the session stores it (channel.connection, from the admin API).
import type { Reply } from "./api.js";
import { clear, h, when } from "./dom.js";

type Channel = Reply<"getBusinessesByBusinessIdChannels">["items"][number];
type Connection = Channel["connection"];

export interface PhoneLink {
  readonly root: HTMLDivElement;
  update(channel: Pick<Channel, "connection" | "enabled">): void;
  failed(message: string): void;
}

interface LinkView {
  readonly state: string;
  readonly badge: string;
  readonly label: string;
  readonly help?: string;
}

/** How often the channels page asks for fresh states while a phone link is shown. */
export const PHONE_LINK_POLL_MS = 3000;

/** The block for one channel; call update(channel) with every fresh copy, failed(message) when a refresh fails. */
export function phoneLink(channel: Pick<Channel, "connection" | "enabled">): PhoneLink {
  const status = h("div", { class: "phone-link-status", role: "status", "aria-live": "polite" });
  const body = h("div", { class: "phone-link-body" });
  const note = h("p", { class: "small phone-link-note", hidden: true });
  const root = h("div", { class: "phone-link", dataset: { state: "loading" } }, status, body, note);
  clear(status, h("span", { class: "badge" }, "checking…"));
  let lastQr: string | null = null;

  function update(next: Pick<Channel, "connection" | "enabled">): void {
    note.hidden = true;
    const c = next.connection;
    const view = describe(c, next.enabled);
    root.dataset.state = view.state;
    clear(
      status,
      h("span", { class: `badge ${view.badge}` }, view.label),
      c?.at ? h("span", { class: "small muted" }, ` updated ${when(c.at)}`) : null,
    );
    if (view.state === "scan" && c?.qrDataUrl) {
      // Keep the same <img> while the code is unchanged, so the picture does not flicker on each refresh.
      if (lastQr !== c.qrDataUrl) {
        lastQr = c.qrDataUrl;
        clear(
          body,
          h("img", { class: "qr-code", src: c.qrDataUrl, alt: "QR code to link the business phone", width: 240, height: 240 }),
          h(
            "p",
            { class: "small" },
            "On the business phone open WhatsApp → Settings → Linked devices → Link a device, and point the camera at this code. It changes every few seconds until scanned.",
          ),
        );
      }
      return;
    }
    lastQr = null;
    clear(body, view.help ? h("p", { class: "small muted" }, view.help) : null);
  }

  function failed(message: string): void {
    note.hidden = false;
    note.textContent = `Could not refresh the phone link (${message}). Trying again…`;
  }

  return { root, update, failed };
}

function describe(c: Connection | undefined, enabled: boolean): LinkView {
  const off = enabled ? "" : " The channel is off: turn it on to connect.";
  if (!c)
    return {
      state: "waiting",
      badge: "waiting-badge",
      label: "waiting for the phone session",
      help: `No WhatsApp Web session has reported yet. It starts once the server runs WhatsApp Web (ask the person who set up this server to switch it on); the QR code to scan appears here.${off}`,
    };
  if (c.state === "pairing" && c.qrDataUrl) return { state: "scan", badge: "waiting-badge", label: "scan this code" };
  if (c.state === "pairing")
    return {
      state: "connecting",
      badge: "waiting-badge",
      label: "connecting…",
      help: `Starting WhatsApp Web; a QR code appears here if the phone must be linked.${off}`,
    };
  if (c.state === "ready")
    return { state: "connected", badge: "live-badge", label: "connected", help: "The phone is linked: messages to this number reach the agent." };
  const why = c.lastDisconnectReason ? ` (${c.lastDisconnectReason})` : "";
  if (c.state === "logged_out")
    return {
      state: "logged-out",
      badge: "paused-badge",
      label: `logged out${why}`,
      help: `The phone unlinked this session. A new QR code appears here to link it again.${off}`,
    };
  return { state: "disconnected", badge: "paused-badge", label: `disconnected${why}`, help: `Reconnecting by itself.${off}` };
}
