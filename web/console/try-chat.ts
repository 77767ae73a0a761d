// "Try it": the business's own web chat channel, through the real queue and worker, as a customer (or fan) sees it.
import { api as adminApi, type Channel, type PersonaDetail, type PersonaSummary, type Reply } from "./api.js";
import { clear, h, randomId, when } from "./dom.js";

const SLOW_REPLY_MS = 45_000;

/** A message of a web chat session's event stream (the public web chat API, not the admin one). */
interface WebchatMessage {
  readonly id: string;
  readonly seq: number;
  readonly direction: "inbound" | "outbound";
  readonly text: string;
  readonly status?: string;
}

export interface TryChat {
  destroy(): void;
  personaSaved(personaId: string, version: number, kind: string | undefined): void;
}

/** The persona a web chat channel answers with: its own, else the business's first persona with a live version (as the worker picks it). */
export function channelPersona(channel: Channel | undefined, personas: readonly PersonaSummary[]): PersonaSummary | null {
  if (channel?.personaId) return personas.find((p) => p.id === channel.personaId) ?? null;
  return personas.find((p) => p.activeVersion) ?? null;
}

/** Mounts the try-it panel; returns {destroy, personaSaved(personaId, version, kind)}. */
export function mountTryChat(
  panel: HTMLElement,
  { base, channels, personas }: { base: string; channels: readonly Channel[]; personas: readonly PersonaSummary[] },
): TryChat {
  const webchats = channels.filter((c) => c.kind === "webchat");
  const channel = webchats.find((c) => c.enabled) ?? webchats[0];
  const title = h("div", { class: "panel-head" }, h("h2", { id: "try-title" }, "Try it"));
  panel.setAttribute("aria-labelledby", "try-title");

  if (!channel) {
    clear(
      panel,
      title,
      h(
        "p",
        { class: "empty" },
        "Try it chats through the business's web chat channel, and this business has none yet. Add a web chat channel to test the agent here.",
      ),
    );
    return { destroy() {}, personaSaved() {} };
  }
  if (!channel.enabled) {
    clear(
      panel,
      title,
      h(
        "p",
        { class: "empty" },
        "The web chat channel is turned off, so Try it cannot reach the agent. Turn it on in ",
        h("a", { href: "#/channels" }, "Channels"),
        ", then come back.",
      ),
    );
    return { destroy() {}, personaSaved() {} };
  }

  const chatChannel: Channel = channel;
  const api = `/api/webchat/${encodeURIComponent(channel.platformAccountId)}`;
  const persona = channelPersona(channel, personas);
  let liveVersion: number | null = persona?.activeVersion?.version ?? null;
  // Who the person writing is, in the persona's words: a fan agent's people are fans.
  let person = "customer";
  let sessionId: string | null = null;
  let session: Promise<string> | null = null; // the Try it session being started: sends wait for it
  let asIfOpen = false;
  let hours: Reply<"getBusinessesByBusinessIdHours"> | null = null; // {openNow, nextOpening, outsideHours}: what a customer writing now would meet
  let awayReceived = false; // closed, and the away message already came: no turn runs for later messages
  let events: EventSource | null = null;
  let lastSeq = 0;
  let awaiting = 0;
  let slowTimer: ReturnType<typeof setTimeout> | undefined;
  let destroyed = false;
  const seen = new Set<string>();

  const version = h("p", { id: "try-version", class: "muted small" });
  const log = h("div", { id: "try-log", class: "chat-log", "aria-live": "polite" });
  const typing = h("div", { id: "try-typing", class: "typing", hidden: true }, "The agent is writing…");
  const input = h("input", { id: "try-text", type: "text", autocomplete: "off", "aria-label": "Message to the agent" });
  const sendButton = h("button", { id: "try-send", type: "submit", class: "primary" }, "Send");
  const form = h("form", { id: "try-form", class: "chat-form", novalidate: true }, input, sendButton);
  const status = h("p", { id: "try-status", class: "small muted", role: "status" });
  const reset = h("button", { id: "try-reset", type: "button", class: "secondary" }, "New conversation");
  const openButton = h("button", { id: "try-as-open", type: "button", class: "secondary small" }, "Try as if open");
  const closedText = h("span", {});
  const closedNote = h("p", { id: "try-closed", class: "state-banner small", role: "status", hidden: true }, closedText, " ", openButton);
  title.append(reset);
  clear(panel, title, version, closedNote, h("div", { class: "chat-box" }, log, typing), form, status);

  /** Whether a customer writing now gets the away message (and, after it, no reply until opening). */
  const closedForThisChat = () => Boolean(hours && !hours.openNow && hours.outsideHours === "away" && !asIfOpen);

  function showClosed() {
    const closed = Boolean(hours && !hours.openNow && hours.outsideHours === "away");
    closedNote.hidden = !closed;
    if (!closed || !hours) return;
    const opens = hours.nextOpening ? ` (it opens at ${when(hours.nextOpening)})` : "";
    closedNote.classList.toggle("paused", !asIfOpen);
    closedText.textContent = asIfOpen
      ? `The shop is closed now${opens}. This chat ignores your opening hours, so the agent answers as if you were open.`
      : `The shop is closed now${opens}. A customer gets your away message, and what they write after it waits for you in the Inbox; the agent answers it when you open.`;
    openButton.hidden = asIfOpen;
  }

  /** A Try it session of the business's own (kept apart from customers in the Inbox); a random one if that fails. */
  function startSession(): Promise<string> {
    const started: Promise<string> = adminApi<Reply<"postBusinessesByBusinessIdTryIt">>(`${base}/try-it`, {
      method: "POST",
      body: { asIfOpen, channelId: chatChannel.id },
    })
      .then((s) => s.sessionId)
      .catch(() => randomId())
      .then((id) => {
        if (session === started) sessionId = id;
        return id;
      });
    session = started;
    sessionId = null;
    return started;
  }

  function showVersion() {
    const who = persona ? `${persona.name}${liveVersion ? `, version ${liveVersion}` : ""}` : "the business's persona";
    version.textContent = `You are a ${person} on “${chatChannel.name}”. Replies use ${who}.`;
    input.placeholder = `Write as a ${person} would`;
  }

  function setKind(kind: string | undefined): void {
    if (!kind) return;
    person = kind === "fan" ? "fan" : "customer";
    for (const who of log.querySelectorAll(".bubble.customer .who")) who.textContent = `You (as ${person})`;
    showVersion();
  }

  function note(text: string): void {
    log.append(h("div", { class: "note" }, text));
    log.scrollTop = log.scrollHeight;
  }

  function bubble(author: "customer" | "agent", text: string, extra = ""): HTMLDivElement {
    const el = h(
      "div",
      { class: `bubble ${author} ${extra}`.trim() },
      h("span", { class: "who" }, author === "customer" ? `You (as ${person})` : "Agent"),
      h("span", { class: "text" }, text),
    );
    log.append(el);
    log.scrollTop = log.scrollHeight;
    return el;
  }

  function setAwaiting(count: number): void {
    awaiting = Math.max(0, count);
    typing.hidden = awaiting === 0;
    clearTimeout(slowTimer);
    if (awaiting > 0)
      slowTimer = setTimeout(() => (status.textContent = "Still no reply. The agent may be busy, or no worker is running."), SLOW_REPLY_MS);
    else status.textContent = "";
  }

  function accept(message: WebchatMessage): void {
    lastSeq = Math.max(lastSeq, message.seq);
    // Customer messages are already on screen (shown as they were sent); replies are new.
    if (message.direction !== "outbound" || seen.has(message.id)) return;
    seen.add(message.id);
    bubble("agent", message.text, message.status === "failed" ? "failed" : "");
    if (closedForThisChat()) awayReceived = true;
    setAwaiting(0);
  }

  function listen() {
    if (events || destroyed) return;
    const stream = new EventSource(`${api}/sessions/${sessionId}/events?after=${lastSeq}`);
    events = stream;
    stream.addEventListener("message", (e) => events === stream && accept(JSON.parse(e.data as string) as WebchatMessage));
    stream.onopen = () => events === stream && !awaiting && (status.textContent = "");
    stream.onerror = () => events === stream && (status.textContent = "Connection lost, reconnecting…");
  }

  async function send(text: string): Promise<void> {
    const clientMessageId = randomId();
    const mySession = session;
    const el = bubble("customer", text, "pending");
    const mine = await session;
    if (destroyed || mySession !== session) return;
    // Closed and the away message came already: no turn runs now, so nothing is "writing".
    const waitsForOpening = closedForThisChat() && awayReceived;
    if (waitsForOpening)
      note(
        "The shop is closed: this message waits for you in the Inbox (as a customer's would), and the agent answers it when you open. Use “Try as if open” to see the agent's answer now.",
      );
    else setAwaiting(awaiting + 1);
    for (let attempt = 0; attempt < 5; attempt++) {
      let res: Response | null = null;
      try {
        res = await fetch(`${api}/messages`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ sessionId: mine, clientMessageId, text }),
        });
      } catch {
        /* offline: retried below with the same id, the server deduplicates */
      }
      if (destroyed || mySession !== session) return;
      if (res?.ok) {
        el.classList.remove("pending");
        listen();
        return;
      }
      if (res && res.status !== 503) {
        const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
        el.classList.replace("pending", "failed");
        if (!waitsForOpening) setAwaiting(awaiting - 1);
        note(
          res.status === 404
            ? "The web chat channel is turned off or gone; turn it on in Channels."
            : (body.error?.message ?? `Could not send (HTTP ${res.status}).`),
        );
        return;
      }
      status.textContent = "The server is busy, retrying…";
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
    }
    el.classList.replace("pending", "failed");
    if (!waitsForOpening) setAwaiting(awaiting - 1);
    note("Could not send. Check your connection and try again.");
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    void send(text);
  });

  function newConversation(message: string): void {
    events?.close();
    events = null;
    void startSession();
    lastSeq = 0;
    awayReceived = false;
    seen.clear();
    setAwaiting(0);
    clear(log);
    showClosed();
    note(message);
    input.focus();
  }
  reset.addEventListener("click", () => newConversation("New conversation: the agent does not remember the previous one."));
  openButton.addEventListener("click", () => {
    asIfOpen = true;
    newConversation("New conversation, as if open: your opening hours are ignored in this chat.");
  });

  showVersion();
  if (persona?.activeVersion) {
    adminApi<PersonaDetail>(`${base}/personas/${encodeURIComponent(persona.id)}`)
      .then((detail) => !destroyed && setKind(detail.activeVersion?.persona?.settings.kind))
      .catch(() => undefined); // the wording stays "customer"; the chat itself works without it
  }
  void startSession();
  adminApi<Reply<"getBusinessesByBusinessIdHours">>(`${base}/hours`)
    .then((h) => {
      if (destroyed) return;
      hours = h;
      showClosed();
    })
    .catch(() => undefined); // without the hours the chat still works; it just cannot warn that the shop is closed
  note("Send a message to see how the agent answers. This is a real conversation; it shows up in the Inbox under “Your Try it chats”.");

  return {
    destroy() {
      destroyed = true;
      clearTimeout(slowTimer);
      events?.close();
      events = null;
    },
    personaSaved(personaId, newVersion, kind) {
      if (!persona || persona.id !== personaId) return;
      liveVersion = newVersion;
      setKind(kind);
      showVersion();
      note(`Version ${newVersion} is live now: the next replies use it.`);
    },
  };
}
