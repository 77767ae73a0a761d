// The web chat page. The session id stays out of every URL: reads and the event stream send it in
// the x-webchat-session header (so the stream is read with fetch(), which can send one, not EventSource).
const channelKey = location.pathname.split("/").filter(Boolean).pop();
const api = `/api/webchat/${encodeURIComponent(channelKey)}`;
const storageKey = `webchat-session-${channelKey}`;
let sessionId = localStorage.getItem(storageKey);
if (!sessionId) { sessionId = crypto.randomUUID().replaceAll("-", ""); localStorage.setItem(storageKey, sessionId); }
const session = { "x-webchat-session": sessionId };
const log = document.getElementById("log"), form = document.getElementById("form"), input = document.getElementById("text"), statusEl = document.getElementById("status");
const shown = new Map();
let lastSeq = 0, listening = false;

function setStatus(text) { statusEl.textContent = text; }
function note(text) { const el = document.createElement("div"); el.className = "note"; el.textContent = text; log.append(el); log.scrollTop = log.scrollHeight; }
function render(m, key = m.id) {
  let el = shown.get(key);
  if (!el) { el = document.createElement("div"); log.append(el); shown.set(key, el); }
  el.className = `msg ${m.direction}${m.pending ? " pending" : ""}${m.failed ? " failed" : ""}`;
  el.textContent = m.text;
  log.scrollTop = log.scrollHeight;
  return el;
}
function accept(m) {
  lastSeq = Math.max(lastSeq, m.seq);
  if (shown.has(m.id)) return;
  render(m);
}
async function load() {
  const res = await fetch(`${api}/messages?after=${lastSeq}`, { headers: session });
  if (res.status === 404) { setStatus("this chat does not exist"); form.hidden = true; return "missing"; }
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
      if (res.status === 404) { listening = false; return; }
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
          const fields = Object.fromEntries(block.split("\n").filter((l) => l && !l.startsWith(":")).map((l) => { const at = l.indexOf(":"); return [l.slice(0, at), l.slice(at + 1).trimStart()]; }));
          if (fields.retry) retryMs = Number(fields.retry) || retryMs;
          if (fields.event === "message" && fields.data) accept(JSON.parse(fields.data));
        }
      }
    } catch { failures += 1; }
    setStatus("reconnecting…");
    await sleep(Math.min(retryMs * 2 ** Math.min(failures, 4), 30_000));
  }
}
async function send(text, clientMessageId, el) {
  for (let attempt = 0; attempt < 6; attempt++) {
    let wait = 1000 * 2 ** attempt;
    try {
      const res = await fetch(`${api}/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sessionId, clientMessageId, text }) });
      const body = await res.json().catch(() => ({}));
      if (res.ok) { shown.delete(clientMessageId); shown.set(body.messageId, el); el.classList.remove("pending"); listen(); return; }
      if (res.status === 429) wait = Math.max(wait, 1000 * Number(res.headers.get("retry-after") ?? 1));
      else if (res.status !== 503) { el.classList.add("failed"); note(body.error?.message ?? `could not send (HTTP ${res.status})`); return; }
    } catch { /* network: retry with the same id, the server deduplicates */ }
    setStatus("busy, retrying…");
    await sleep(wait);
  }
  el.classList.add("failed"); note("could not send; check your connection and try again");
}
form.addEventListener("submit", (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  const clientMessageId = crypto.randomUUID();
  const el = render({ direction: "inbound", text, pending: true }, clientMessageId);
  send(text, clientMessageId, el);
});
input.addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); } });
try {
  const state = await load();
  if (state === "history") listen(); else if (state === "empty") setStatus("say hello");
} catch (e) { setStatus("offline"); note(`could not load the conversation: ${e.message}`); }
