// Conversation inbox: filters, a list kept live by the business's event stream (polled every few
// seconds while the stream is down), and the open conversation beside it.
import { api, apiError, path, type Reply } from "./api.js";
import { channelLabel, clear, clock, empty, errorBox, h, loading, when } from "./dom.js";
import { mountHandoffsPanel } from "./handoffs-panel.js";
import { followConversationEvents } from "./live-events.js";
import type { Page, PageContext } from "./page.js";
import { mountTranscript, type Transcript } from "./transcript.js";
import { contactName, handoffReason } from "./conversation-words.js";

type ConversationPage = Reply<"getBusinessesByBusinessIdConversations">;
type ConversationItem = ConversationPage["items"][number];

const POLL_MS = 3000;
// With the event stream open, polling only guards against a missed event.
const POLL_LIVE_MS = 30000;
const EVENT_DEBOUNCE_MS = 150;
const PAGE = 50;
const MAX_PAGE = 200;
const SEARCH_DEBOUNCE_MS = 300;

// Kept while the tab is open, so going to a conversation and back keeps the filters.
const filters = { channelId: "", status: "", unanswered: false, state: "", kind: "customers", q: "" };

const STATE_BADGE: Record<string, [string, string] | null> = {
  waiting: ["waiting-badge", "waiting for you"],
  handed_off: ["handoff-badge", "handed off"],
  open: ["open-badge", "agent answering"],
  resolved: null,
};

export function mountInbox(view: HTMLElement, { business, param }: PageContext): Page {
  const base = path`/businesses/${business.id}`;
  let selectedId = param;
  let destroyed = false;
  let limit = PAGE;
  let listBusy = false;
  let listAgain = false; // asked while a load ran (a filter or search changed): one more load after it, with the new query
  let listLoaded = false;
  let transcript: Transcript | null = null;
  const rows = new Map<string, HTMLLIElement>();
  const linkOf = (row: HTMLLIElement) => row.firstChild as HTMLAnchorElement;

  const channelFilter = h("select", { id: "filter-channel", "aria-label": "Channel" }, h("option", { value: "" }, "All channels"));
  const statusFilter = h(
    "select",
    { id: "filter-status", "aria-label": "Agent state" },
    h("option", { value: "" }, "Agent on or paused"),
    h("option", { value: "active" }, "Agent answering"),
    h("option", { value: "paused" }, "Agent paused"),
  );
  const stateFilter = h(
    "select",
    { id: "filter-state", "aria-label": "Conversation state" },
    h("option", { value: "" }, "Every state"),
    h("option", { value: "waiting" }, "Waiting for you"),
    h("option", { value: "handed_off" }, "Handed off"),
    h("option", { value: "open" }, "Agent answering"),
    h("option", { value: "resolved" }, "Nothing to answer"),
  );
  const kindFilter = h(
    "select",
    { id: "filter-kind", "aria-label": "Whose chats" },
    h("option", { value: "customers" }, "Customers"),
    h("option", { value: "try" }, "Your Try it chats"),
  );
  const search = h("input", {
    id: "inbox-search",
    type: "search",
    placeholder: "Search names and messages",
    "aria-label": "Search names and messages",
    value: filters.q,
  });
  const unanswered = h("input", { id: "filter-unanswered", type: "checkbox", checked: filters.unanswered });
  const live = h("span", { id: "inbox-live", class: "small muted", role: "status" }, "Loading…");
  const list = h("ul", { id: "conversation-list", class: "conv-list" });
  const listState = h("div", { id: "conversation-list-state" }, loading("Loading conversations…"));
  const more = h("button", { id: "show-more", type: "button", class: "secondary", hidden: true }, "Show more");
  const pane = h("section", { id: "transcript-pane", class: "panel transcript-pane" });
  const attention = h("div", { id: "inbox-attention" });
  const layout = h(
    "div",
    { class: "inbox" },
    h(
      "section",
      { class: "panel conv-pane", "aria-labelledby": "inbox-title" },
      h("div", { class: "panel-head" }, h("h2", { id: "inbox-title" }, "Conversations"), live),
      attention,
      h(
        "div",
        { class: "filters" },
        search,
        kindFilter,
        stateFilter,
        channelFilter,
        statusFilter,
        h("label", { class: "check" }, unanswered, " Not answered yet"),
      ),
      listState,
      list,
      more,
    ),
    pane,
  );
  statusFilter.value = filters.status;
  stateFilter.value = filters.state;
  kindFilter.value = filters.kind;
  view.append(layout);
  const handoffs = mountHandoffsPanel(attention, { base, onChange: () => (void refreshList(), transcript?.refresh()) });

  async function loadChannels() {
    try {
      const { items } = await api<Reply<"getBusinessesByBusinessIdChannels">>(`${base}/channels`);
      if (destroyed) return;
      channelFilter.append(...items.map((c) => h("option", { value: c.id }, channelLabel(c))));
      if (items.some((c) => c.id === filters.channelId)) channelFilter.value = filters.channelId;
      else filters.channelId = "";
    } catch {
      /* the list still works without the channel filter */
    }
  }

  function query(): string {
    const q = new URLSearchParams({ limit: String(limit) });
    if (filters.channelId) q.set("channelId", filters.channelId);
    if (filters.status) q.set("status", filters.status);
    if (filters.unanswered) q.set("unanswered", "true");
    if (filters.state) q.set("state", filters.state);
    q.set("tryIt", filters.kind === "try" ? "true" : "false");
    if (filters.q) q.set("q", filters.q.slice(0, 100));
    return q.toString();
  }

  async function refreshList(): Promise<void> {
    if (destroyed) return;
    if (listBusy) return void (listAgain = true);
    listBusy = true;
    listAgain = false;
    try {
      const page = await api<ConversationPage>(`${base}/conversations?${query()}`);
      if (destroyed) return;
      renderList(page.items);
      more.hidden = !page.nextCursor || limit >= MAX_PAGE;
      live.textContent = `Live · updated ${clock()}`;
      live.classList.remove("warn");
    } catch (thrown) {
      const error = apiError(thrown);
      if (destroyed) return;
      if (!listLoaded) clear(listState, errorBox(`Could not load the conversations. ${error.message}`, refreshList));
      else {
        live.textContent = "Connection problem, retrying…";
        live.classList.add("warn");
      }
    } finally {
      listBusy = false;
      if (listAgain) void refreshList();
    }
  }

  function renderList(items: readonly ConversationItem[]): void {
    listLoaded = true;
    const filtered = filters.channelId || filters.status || filters.unanswered || filters.state || filters.q;
    const none = filtered
      ? "No conversation matches these filters."
      : filters.kind === "try"
        ? "No Try it chats yet. Start one from the Persona page."
        : "No conversations yet. They appear here as soon as a customer writes.";
    clear(listState, items.length === 0 ? empty(none) : null);
    const keep = new Set(items.map((c) => c.id));
    for (const [id, row] of rows) if (!keep.has(id)) row.remove(), rows.delete(id);
    for (const c of items) {
      let row = rows.get(c.id);
      if (!row) rows.set(c.id, (row = h("li", {}, h("a", { class: "conv", href: `#/inbox/${c.id}`, dataset: { id: c.id } }))));
      fillRow(linkOf(row), c);
      list.append(row); // moves existing rows into the new order without recreating them
    }
  }

  function fillRow(link: HTMLAnchorElement, c: ConversationItem): void {
    link.classList.toggle("selected", c.id === selectedId);
    link.classList.toggle("paused", c.agentPaused);
    // Read here right now: the transcript marks it read as it shows it.
    const unread = c.unread && c.id !== selectedId;
    link.classList.toggle("unread", unread);
    link.dataset.state = c.state;
    const badge = STATE_BADGE[c.state];
    const preview = c.preview ? `${c.preview.direction === "outbound" ? "↪ " : ""}${c.preview.text}` : "No messages yet";
    clear(
      link,
      h(
        "span",
        { class: "conv-top" },
        h("span", { class: "conv-name" }, unread ? h("span", { class: "unread-dot", title: "Unread" }, "● ") : null, contactName(c)),
        h("span", { class: "conv-time small muted" }, when(c.lastMessageAt)),
      ),
      h("span", { class: "conv-preview small" }, preview),
      c.handoff
        ? h(
            "span",
            { class: "conv-handoff small" },
            `${handoffReason(c.handoff.reason)}${c.handoff.customerText ? `: “${c.handoff.customerText}”` : ""}`,
          )
        : null,
      h(
        "span",
        { class: "conv-meta small" },
        h("span", { class: "muted" }, channelLabel(c.channel)),
        badge ? h("span", { class: `badge ${badge[0]}` }, badge[1]) : null,
        c.unansweredCount > 0
          ? h("span", { class: "badge count-badge", title: "Customer messages not answered yet" }, String(c.unansweredCount))
          : null,
        c.agentPaused ? h("span", { class: "badge paused-badge" }, c.pausedBy === "owner_phone" ? "owner on the phone" : "agent paused") : null,
        c.state === "waiting" && c.waitingUntil && !c.agentPaused ? h("span", { class: "muted" }, `agent answers at ${when(c.waitingUntil)}`) : null,
      ),
    );
  }

  function select(id: string | undefined): void {
    selectedId = id;
    layout.classList.toggle("has-selection", Boolean(id));
    for (const [rowId, row] of rows) linkOf(row).classList.toggle("selected", rowId === id);
    transcript?.destroy();
    transcript = null;
    if (!id) {
      clear(pane, h("p", { class: "empty" }, "Pick a conversation to read it and to take over from the agent."));
      return;
    }
    transcript = mountTranscript(pane, { base, conversationId: id, onChange: () => void refreshList() });
    window.scrollTo(0, 0);
  }

  const onFilter = () => {
    filters.channelId = channelFilter.value;
    filters.status = statusFilter.value;
    filters.unanswered = unanswered.checked;
    filters.state = stateFilter.value;
    filters.kind = kindFilter.value;
    filters.q = search.value.trim();
    limit = PAGE;
    clear(listState, loading("Loading conversations…"));
    void refreshList();
  };
  channelFilter.addEventListener("change", onFilter);
  statusFilter.addEventListener("change", onFilter);
  unanswered.addEventListener("change", onFilter);
  stateFilter.addEventListener("change", onFilter);
  kindFilter.addEventListener("change", onFilter);
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(onFilter, SEARCH_DEBOUNCE_MS);
  });
  more.addEventListener("click", () => {
    limit = Math.min(MAX_PAGE, limit + PAGE);
    void refreshList();
  });

  let streamOpen = false;
  let lastPoll = 0;
  const poll = () => {
    lastPoll = Date.now();
    void refreshList();
    void handoffs.refresh();
    transcript?.refresh();
  };
  const timer = setInterval(() => {
    if (document.hidden || Date.now() - lastPoll < (streamOpen ? POLL_LIVE_MS : POLL_MS)) return;
    poll();
  }, POLL_MS);
  let pending: ReturnType<typeof setTimeout> | undefined;
  let touched = new Set<string>();
  const stream = followConversationEvents(base, {
    onOpen(open) {
      streamOpen = open;
      live.dataset.stream = open ? "open" : "closed";
    },
    onEvent({ conversationId }) {
      touched.add(conversationId);
      if (pending) return;
      pending = setTimeout(() => {
        const changed = touched;
        pending = undefined;
        touched = new Set();
        lastPoll = Date.now();
        void refreshList();
        void handoffs.refresh();
        if (selectedId && changed.has(selectedId)) transcript?.refresh();
      }, EVENT_DEBOUNCE_MS);
    },
  });

  select(selectedId);
  void loadChannels().then(refreshList);

  return {
    update(param) {
      if (param !== selectedId) select(param);
    },
    destroy() {
      destroyed = true;
      clearInterval(timer);
      clearTimeout(pending);
      clearTimeout(searchTimer);
      stream.close();
      handoffs.destroy();
      transcript?.destroy();
    },
  };
}
