// The "Queues" link (BullMQ dashboard), for owner keys only. The dashboard is a page of its own, opened
// by navigation, which cannot carry the Bearer header: the key is exchanged for a short-lived HttpOnly
// cookie first (POST /admin/queues/session), then the browser goes there.
import { api, session } from "./api.js";

const link = () => document.getElementById("queues-link");

/** Shows the link when the key is an owner key (GET /api-keys answers 403 to any other). */
export async function showQueuesLinkIfOwner() {
  const el = link();
  if (!el) return;
  el.hidden = true;
  try {
    await api("/api-keys");
    el.hidden = false;
  } catch {
    // A business key (403) or a passing error: no link, nothing else changes.
  }
}

/** On sign-out: hides the link and ends a dashboard session this browser may hold. */
export function hideQueuesLink() {
  const el = link();
  if (!el || el.hidden) return;
  el.hidden = true;
  void fetch("/admin/queues/session", { method: "DELETE" }).catch(() => undefined);
}

async function openQueues(event) {
  event.preventDefault();
  const el = link();
  el.setAttribute("aria-busy", "true");
  try {
    const res = await fetch("/admin/queues/session", { method: "POST", headers: { authorization: `Bearer ${session.key() ?? ""}` }, cache: "no-store" });
    if (!res.ok) throw new Error(res.status === 403 ? "The queue dashboard needs an owner key." : `The queue dashboard could not be opened (HTTP ${res.status}).`);
    const { url } = await res.json();
    location.assign(url);
  } catch (error) {
    el.title = error instanceof TypeError ? "Can't reach the server." : error.message;
    el.classList.add("link-error");
  } finally {
    el.removeAttribute("aria-busy");
  }
}

link()?.addEventListener("click", openQueues);
