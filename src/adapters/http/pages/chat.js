// The web chat page. The session id stays out of every URL: reads and the event stream send it in
// the x-webchat-session header (so the stream is read with fetch(), which can send one, not EventSource).
import { applyProfile, fillMessage, messageElement } from "./chat-view.js";

const channelKey = location.pathname.split("/").filter(Boolean).pop();
const api = `/api/webchat/${encodeURIComponent(channelKey)}`;
const embedded = new URLSearchParams(location.search).has("embed") && window.parent !== window;
const $ = (id) => document.getElementById(id);
const log = $("log"),
  form = $("form"),
  input = $("text"),
  statusEl = $("status"),
  typingEl = $("typing"),
  closedEl = $("closed");
if (embedded) document.body.classList.add("embedded");
const shown = new Map();
let lastSeq = 0,
  listening = false,
  agentName = null,
  typingTimer = 0;
/** A turn that ends without a word from the server (a lost event) stops showing "typing…" after this. */
const TYPING_MAX_MS = 180_000;

const newSessionId = () => crypto.randomUUID().replaceAll("-", "");
const SESSION_ID = /^[A-Za-z0-9_-]{16,128}$/;
/**
 * The visitor's session id, kept in this site's storage. In a frame on another site, browsers that
 * block third-party storage refuse it: the widget keeps the id in its own site's storage and hands
 * it over by postMessage. Without either, the conversation lasts as long as the page.
 */
async function sessionFor(key) {
  try {
    let id = localStorage.getItem(key);
    if (!id) {
      id = newSessionId();
      localStorage.setItem(key, id);
    }
    return id;
  } catch {
    /* storage refused */
  }
  if (!embedded) return newSessionId();
  return new Promise((resolve) => {
    const done = (id) => {
      window.removeEventListener("message", onMessage);
      clearTimeout(timer);
      resolve(id);
    };
    const onMessage = (e) => {
      if (e.source === window.parent && e.data?.parlor === "session" && SESSION_ID.test(e.data.id ?? "")) done(e.data.id);
    };
    const timer = setTimeout(() => done(newSessionId()), 1500);
    window.addEventListener("message", onMessage);
    window.parent.postMessage({ parlor: "session?" }, "*");
  });
}
const sessionId = await sessionFor(`webchat-session-${channelKey}`);
const session = { "x-webchat-session": sessionId };

function setStatus(text) {
  statusEl.textContent = text;
}
function note(text) {
  const el = document.createElement("div");
  el.className = "note";
  el.textContent = text;
  log.append(el);
  log.scrollTop = log.scrollHeight;
}
function render(m, key = m.id) {
  let el = shown.get(key);
  if (!el) {
    el = messageElement();
    log.append(el);
    shown.set(key, el);
  }
  fillMessage(el, m);
  log.scrollTop = log.scrollHeight;
  return el;
}
function accept(m) {
  lastSeq = Math.max(lastSeq, m.seq);
  if (m.direction === "outbound") showTyping(false);
  render(m);
}
function showTyping(on) {
  clearTimeout(typingTimer);
  typingEl.hidden = !on;
  if (!on) return;
  $("typing-text").textContent = `${agentName ?? "The assistant"} is typing…`;
  typingTimer = setTimeout(() => (typingEl.hidden = true), TYPING_MAX_MS);
  log.scrollTop = log.scrollHeight;
}
/** The chat cannot take messages: a switched-off channel, or a link to no chat at all. */
function shut(text) {
  closedEl.textContent = text;
  closedEl.hidden = false;
  $("notice").hidden = true;
  form.hidden = true;
  typingEl.hidden = true;
  setStatus("");
}
async function loadProfile() {
  const res = await fetch(`${api}/profile`);
  if (res.status === 404) {
    shut("This chat does not exist. Check the link you were given.");
    return null;
  }
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const profile = await res.json();
  agentName = profile.agentName;
  applyProfile(profile, { business: $("business"), agent: $("agent"), logo: $("logo"), notice: $("notice") });
  if (!profile.open) shut("This chat is closed. Please contact the business another way.");
  return profile;
}
async function load() {
  const res = await fetch(`${api}/messages?after=${lastSeq}`, { headers: session });
  if (res.status === 404) {
    shut("This chat is closed. Please contact the business another way.");
    return "closed";
  }
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const { messages } = await res.json();
  messages.forEach(accept);
  return messages.length > 0 ? "history" : "empty";
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Server-sent events read from a fetch() body; reconnects after `retry` (or longer after a refusal) from the last message seen. */
async function listen() {
  if (listening) return;
  listening = true;
  let retryMs = 2000;
  for (let failures = 0; ; ) {
    try {
      const res = await fetch(`${api}/events?after=${lastSeq}`, { headers: { ...session, accept: "text/event-stream" } });
      if (res.status === 404) {
        listening = false;
        return;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      setStatus("online");
      failures = 0;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(
            block
              .split("\n")
              .filter((l) => l && !l.startsWith(":"))
              .map((l) => {
                const at = l.indexOf(":");
                return [l.slice(0, at), l.slice(at + 1).trimStart()];
              }),
          );
          if (fields.retry) retryMs = Number(fields.retry) || retryMs;
          if (fields.event === "message" && fields.data) accept(JSON.parse(fields.data));
          if (fields.event === "typing" && fields.data) showTyping(JSON.parse(fields.data).typing === true);
        }
      }
    } catch {
      failures += 1;
    }
    setStatus("reconnecting…");
    await sleep(Math.min(retryMs * 2 ** Math.min(failures, 4), 30_000));
  }
}
/** The visitor's name, asked once before the first message (the business sees it in its inbox); optional. */
const nameRow = $("name-row"),
  nameInput = $("name");
async function send(text, clientMessageId, name) {
  for (let attempt = 0; attempt < 6; attempt++) {
    let wait = 1000 * 2 ** attempt;
    try {
      const res = await fetch(`${api}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ sessionId, clientMessageId, text, ...(name ? { name } : {}) }),
      });
      const body = await res.json().catch(() => ({}));
      const el = shown.get(clientMessageId);
      if (res.ok) {
        shown.delete(clientMessageId);
        if (!shown.has(body.messageId)) {
          shown.set(body.messageId, el);
          fillMessage(el, { direction: "inbound", text });
        } else el.remove();
        listen();
        return;
      }
      if (res.status === 404) {
        el?.classList.add("failed");
        shut("This chat is closed. Please contact the business another way.");
        return;
      }
      if (res.status === 429) wait = Math.max(wait, 1000 * Number(res.headers.get("retry-after") ?? 1));
      else if (res.status !== 503) {
        el?.classList.add("failed");
        note(body.error?.message ?? "Your message could not be sent. Try again.");
        return;
      }
    } catch {
      /* network: retry with the same id, the server deduplicates */
    }
    setStatus("busy, retrying…");
    await sleep(wait);
  }
  shown.get(clientMessageId)?.classList.add("failed");
  note("Your message could not be sent. Check your connection and try again.");
}
form.addEventListener("submit", (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  const clientMessageId = crypto.randomUUID();
  const name = nameRow.hidden ? "" : nameInput.value.trim();
  nameRow.hidden = true;
  render({ direction: "inbound", text, pending: true }, clientMessageId);
  send(text, clientMessageId, name);
});
input.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) {
    e.preventDefault();
    form.requestSubmit();
  }
});
try {
  const profile = await loadProfile();
  if (profile?.open) {
    const state = await load();
    if (state === "history") listen();
    else if (state === "empty") {
      setStatus("say hello");
      nameRow.hidden = false;
    }
  }
} catch (_e) {
  setStatus("offline");
  note(`The chat could not be loaded. Check your connection and reload the page.`);
}
