// One conversation: its transcript (refreshed by the inbox's poll) and the takeover controls.
import { api, apiError, type PersonaDetail, type Reply } from "./api.js";
import { channelLabel, clear, errorBox, h, loading, when } from "./dom.js";
import { contactName } from "./conversation-words.js";

type Conversation = Reply<"getBusinessesByBusinessIdConversationsByConversationId">;
type MessagePage = Reply<"getBusinessesByBusinessIdConversationsByConversationIdMessages">;
type Message = MessagePage["items"][number];

export interface Transcript {
  refresh(): void;
  destroy(): void;
}

const RECHECK = 50;
const AUTHOR: Record<string, string> = { customer: "Customer", agent: "Agent", human: "Person (staff)" };
const STATUS: Record<string, string> = {
  received: "waiting for an answer",
  answered: "",
  skipped: "not answered",
  pending: "sending…",
  sent: "sent",
  delivered: "delivered",
  read: "read",
  failed: "not delivered",
};

const messages = (n: number) => (n === 1 ? "message" : `${n} messages`);

/** Closed after the away message: what waits, and when the agent answers it. */
function openingText(c: Conversation): string {
  const one = c.unansweredCount === 1;
  return `Closed now: the away message went out, and ${one ? "this message waits" : `these ${c.unansweredCount} messages wait`} for you. The agent answers ${one ? "it" : "them"} when you open, at ${when(c.waitingUntil ?? "")}, unless you reply first.`;
}

function pausedText(c: Conversation): string {
  if (c.pausedUntil)
    return `Agent paused: ${c.pausedBy === "owner_phone" ? "the owner wrote from the business phone. " : ""}It answers again after ${when(c.pausedUntil)}, or when you resume it.`;
  const then = c.unansweredCount > 0 ? `; then it answers the ${messages(c.unansweredCount)} waiting` : "";
  return `Agent paused: it will not answer here. You are in charge until you resume it${then}.`;
}

/** Mounts the conversation into pane; returns {refresh, destroy}. onChange: its state changed here (pause, resume, reply). */
export function mountTranscript(
  pane: HTMLElement,
  { base, conversationId, onChange }: { base: string; conversationId: string; onChange: () => void },
): Transcript {
  // A creator's fan agent talks with fans: the label follows the live persona's kind.
  let customerLabel = AUTHOR.customer ?? "Customer";
  api<Reply<"getBusinessesByBusinessIdPersonas">>(`${base}/personas`)
    .then((list) => {
      const live = list.items.find((p) => p.activeVersion);
      return live ? api<PersonaDetail>(`${base}/personas/${encodeURIComponent(live.id)}`) : null;
    })
    .then((detail) => {
      if (detail?.activeVersion?.persona?.settings.kind !== "fan") return;
      customerLabel = "Fan";
      for (const who of pane.querySelectorAll(".bubble.customer .who")) who.textContent = customerLabel;
    })
    .catch(() => undefined); // the label stays "Customer"; the transcript works without it
  const url = `${base}/conversations/${encodeURIComponent(conversationId)}`;
  let destroyed = false;
  let busy = false;
  let again = false;
  let loaded = false;
  let refreshFrom = 0; // polls fetch the newest RECHECK messages again (their status changes) and anything newer
  let conversation: Conversation | null = null;
  const bubbles = new Map<string, HTMLDivElement>();

  const title = h("h2", { id: "conversation-title" }, "Conversation");
  const rename = h("button", { id: "rename-contact", type: "button", class: "secondary small", title: "Name this contact" }, "Rename");
  const nameInput = h("input", { id: "contact-name", type: "text", maxlength: "80", "aria-label": "Contact name", placeholder: "Name" });
  const nameSave = h("button", { id: "contact-name-save", type: "submit", class: "primary small" }, "Save");
  const nameCancel = h("button", { id: "contact-name-cancel", type: "button", class: "small" }, "Cancel");
  const nameForm = h("form", { id: "contact-name-form", class: "inline-form", hidden: true, novalidate: true }, nameInput, nameSave, nameCancel);
  let readSeq = 0;
  const subtitle = h("span", { class: "muted small" });
  const banner = h("div", { id: "agent-state", class: "state-banner", role: "status" });
  const pause = h("button", { id: "pause-agent", type: "button", class: "primary" }, "Pause agent");
  const resume = h("button", { id: "resume-agent", type: "button", class: "primary" }, "Resume agent");
  const erase = h("button", { id: "erase-contact", type: "button", class: "danger" }, "Erase contact…");
  const eraseConfirm = h("button", { id: "erase-confirm", type: "button", class: "danger" }, "Erase for good");
  const eraseCancel = h("button", { id: "erase-cancel", type: "button" }, "Cancel");
  const eraseText = h("p", {});
  const eraseBox = h(
    "div",
    { id: "erase-box", class: "error-box", role: "alertdialog", hidden: true },
    eraseText,
    h("div", { class: "takeover" }, eraseConfirm, eraseCancel),
  );
  const noMessages = h("p", { class: "empty", hidden: true }, "No messages yet.");
  const log = h("div", { id: "transcript", class: "chat-log transcript", "aria-live": "polite" }, noMessages);
  const text = h("textarea", {
    id: "human-text",
    rows: "3",
    placeholder: "Write to the customer as a person from the business",
    "aria-label": "Your message",
  });
  const send = h("button", { id: "send-human", type: "submit", class: "primary" }, "Send");
  const hint = h("p", { id: "human-hint", class: "small muted" });
  const sendError = h("div", { id: "human-error", class: "error-box", role: "alert", hidden: true });
  const form = h("form", { id: "human-form", class: "human-form", novalidate: true }, text, send);
  const body = h(
    "div",
    { class: "transcript-body" },
    banner,
    h("div", { class: "takeover" }, pause, resume, erase),
    eraseBox,
    log,
    sendError,
    form,
    hint,
  );
  const state = h("div", {}, loading("Loading the conversation…"));
  clear(
    pane,
    h(
      "div",
      { class: "transcript-head" },
      h("a", { href: "#/inbox", class: "back" }, "← All conversations"),
      h("div", {}, h("div", { class: "title-row" }, title, rename), nameForm, subtitle),
    ),
    state,
  );

  function showConversation(c: Conversation): void {
    conversation = c;
    title.textContent = contactName(c);
    subtitle.textContent = `${channelLabel(c.channel)} · started ${when(c.createdAt)}${c.tryIt ? ` · your Try it chat${c.tryIt === "open" ? ", as if open" : ""}` : ""}`;
    const waitingForOpening = !c.agentPaused && c.state === "waiting" && c.waitingUntil;
    banner.classList.toggle("paused", c.agentPaused || Boolean(waitingForOpening));
    banner.textContent = waitingForOpening ? openingText(c) : c.agentPaused ? pausedText(c) : "The agent is answering this conversation.";
    pause.hidden = c.agentPaused;
    resume.hidden = !c.agentPaused;
    const off = !c.channel.enabled;
    text.disabled = off;
    send.disabled = off;
    hint.textContent = off
      ? "This channel is turned off, so nothing can be sent. Turn it on in Channels to reply."
      : c.agentPaused
        ? "Your message goes to the customer through the same channel."
        : "Tip: pause the agent first, so it does not answer the customer's next messages as well.";
  }

  function showMessage(m: Message): void {
    let el = bubbles.get(m.id);
    if (!el) {
      el = h("div", { dataset: { id: m.id, seq: String(m.seq) } });
      bubbles.set(m.id, el);
      log.append(el);
    }
    const waiting = m.status === "received" && conversation?.state === "waiting";
    const status = m.status === "failed" && m.error ? `not delivered: ${m.error}` : waiting ? "waiting for you" : (STATUS[m.status] ?? m.status);
    el.className = `bubble ${m.author} ${m.status}`;
    clear(
      el,
      h("span", { class: "who" }, m.author === "customer" ? customerLabel : (AUTHOR[m.author] ?? m.author)),
      h("span", { class: "text" }, m.text),
      h("span", { class: "meta" }, when(m.createdAt), status ? ` · ${status}` : ""),
    );
  }

  /** Every message after seq, following the API's pages (a long conversation has more than one). */
  async function messagesSince(seq: number): Promise<Message[]> {
    const items: Message[] = [];
    for (let after: number | null = seq; after !== null; ) {
      const page: MessagePage = await api<MessagePage>(`${url}/messages?after=${after}`);
      items.push(...page.items);
      after = page.nextAfter;
    }
    return items;
  }

  // Erasing deletes the contact, every conversation of theirs and every message, in the database and the queue.
  async function eraseContact(): Promise<void> {
    if (!conversation) return;
    eraseConfirm.disabled = true;
    eraseConfirm.textContent = "Erasing…";
    try {
      const done = await api<Reply<"postBusinessesByBusinessIdContactsByContactIdErase">>(
        `${base}/contacts/${encodeURIComponent(conversation.contact.id)}/erase`,
        { method: "POST" },
      );
      destroyed = true; // the conversation is gone: stop polling it
      title.textContent = "Contact erased";
      subtitle.textContent = "";
      clear(
        state,
        h(
          "div",
          { id: "erase-done", class: "state-banner", role: "status" },
          h("p", {}, `Contact erased: ${done.erasedMessages} message${done.erasedMessages === 1 ? "" : "s"} deleted, with their conversations.`),
          h("p", {}, "Confirmation code: ", h("strong", { id: "erase-code" }, done.confirmationCode)),
        ),
      );
      onChange();
    } catch (thrown) {
      const error = apiError(thrown);
      eraseBox.hidden = true;
      showError(`Not erased. ${error.message}`);
    } finally {
      eraseConfirm.disabled = false;
      eraseConfirm.textContent = "Erase for good";
    }
  }

  async function refresh(): Promise<void> {
    if (destroyed) return;
    if (busy) return void (again = true); // one more pass once the running one ends, so nothing is missed
    busy = true;
    again = false;
    try {
      const [c, items] = await Promise.all([api<Conversation>(url), messagesSince(refreshFrom)]);
      if (destroyed) return;
      const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
      if (!loaded) clear(state, body);
      showConversation(c);
      const before = bubbles.size;
      for (const m of items) showMessage(m);
      noMessages.hidden = bubbles.size > 0;
      const seqs = [...bubbles.values()].map((el) => Number(el.dataset.seq));
      refreshFrom = seqs.length > RECHECK ? (seqs[seqs.length - RECHECK - 1] ?? 0) : 0;
      if (!loaded || (atBottom && bubbles.size > before)) log.scrollTop = log.scrollHeight;
      loaded = true;
      const newest = Math.max(0, ...seqs);
      // Shown on screen to a person looking at it: read, for this key.
      if (newest > readSeq && !document.hidden) {
        readSeq = newest;
        api(`${url}/read`, { method: "POST", body: { seq: newest } })
          .then(() => onChange())
          .catch(() => (readSeq = 0)); // tried again on the next refresh
      }
    } catch (thrown) {
      const error = apiError(thrown);
      if (destroyed) return;
      if (error.status === 404) clear(state, errorBox("This conversation does not exist any more (or belongs to another business)."));
      else if (!loaded) clear(state, errorBox(`Could not load the conversation. ${error.message}`, refresh));
    } finally {
      busy = false;
      if (again) void refresh();
    }
  }

  async function setPaused(paused: boolean): Promise<void> {
    const button = paused ? pause : resume;
    button.disabled = true;
    button.textContent = paused ? "Pausing…" : "Resuming…";
    try {
      const updated = await api<Reply<"postBusinessesByBusinessIdConversationsByConversationIdPause">>(`${url}/${paused ? "pause" : "resume"}`, {
        method: "POST",
      });
      if (destroyed) return;
      showConversation(updated);
      onChange();
    } catch (thrown) {
      const error = apiError(thrown);
      if (!destroyed) showError(error.message);
    } finally {
      button.disabled = false;
      button.textContent = paused ? "Pause agent" : "Resume agent";
    }
  }

  function showError(message: string): void {
    sendError.hidden = false;
    sendError.textContent = message;
  }

  erase.addEventListener("click", () => {
    eraseText.textContent = `Erase ${conversation?.contact.displayName ?? "this visitor"}? Their contact, all their conversations and messages are deleted for good. This cannot be undone.`;
    eraseBox.hidden = false;
    eraseCancel.focus();
  });
  eraseCancel.addEventListener("click", () => (eraseBox.hidden = true));
  eraseConfirm.addEventListener("click", () => void eraseContact());
  rename.addEventListener("click", () => {
    nameInput.value = conversation?.contact.displayName ?? "";
    nameForm.hidden = false;
    rename.hidden = true;
    nameInput.focus();
  });
  const closeName = () => {
    nameForm.hidden = true;
    rename.hidden = false;
  };
  nameCancel.addEventListener("click", closeName);
  nameForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!conversation) return;
    nameSave.disabled = true;
    try {
      const value = nameInput.value.trim();
      await api(`${base}/contacts/${encodeURIComponent(conversation.contact.id)}`, { method: "PATCH", body: { displayName: value || null } });
      if (destroyed) return;
      closeName();
      onChange();
      await refresh();
    } catch (thrown) {
      const error = apiError(thrown);
      if (!destroyed) showError(`Name not saved. ${error.message}`);
    } finally {
      nameSave.disabled = false;
    }
  });
  pause.addEventListener("click", () => setPaused(true));
  resume.addEventListener("click", () => setPaused(false));
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const message = text.value.trim();
    if (!message || !conversation) return;
    send.disabled = true;
    send.textContent = "Sending…";
    sendError.hidden = true;
    try {
      await api(`${url}/messages`, { method: "POST", body: { text: message } });
      if (destroyed) return;
      text.value = "";
      onChange();
      await refresh();
      log.scrollTop = log.scrollHeight;
    } catch (thrown) {
      const error = apiError(thrown);
      if (!destroyed) showError(`Not sent. ${error.message}`);
    } finally {
      send.disabled = !conversation?.channel.enabled;
      send.textContent = "Send";
    }
  });

  void refresh();
  return {
    refresh: () => void refresh(),
    destroy() {
      destroyed = true;
    },
  };
}
