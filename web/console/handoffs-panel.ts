// Above the inbox list: conversations handed to a person (open handoffs) and model replies the
// guardrails replaced, newest first. Resolving can also hand the conversation back to the agent.
import { api, apiError, path, type Reply } from "./api.js";
import { flagReason, handoffReason } from "./conversation-words.js";
import { clear, h, when } from "./dom.js";

const LIMIT = 20;

type Handoff = Reply<"getBusinessesByBusinessIdHandoffs">["items"][number];
type ReplyFlag = Reply<"getBusinessesByBusinessIdReplyFlags">["items"][number];

export interface HandoffsPanel {
  refresh(): Promise<void>;
  destroy(): void;
}

function statusLine(handoff: Handoff): HTMLSpanElement {
  if (handoff.status === "failed") return h("span", { class: "handoff-error" }, `Owner not notified: ${handoff.error ?? "unknown error"}`);
  if (handoff.status === "pending") return h("span", { class: "muted" }, "Sending the notice to the owner…");
  return h("span", { class: "muted" }, handoff.notify === "admin" ? "Shown here (console only)" : "Owner notified");
}

export function mountHandoffsPanel(container: HTMLElement, { base, onChange }: { base: string; onChange?: () => void }): HandoffsPanel {
  let destroyed = false;
  let busy = false;
  const handoffList = h("ul", { id: "handoff-list", class: "handoff-list" });
  const handoffs = h("div", { id: "handoffs", class: "attention", hidden: true }, h("h3", {}, "Needs a person"), handoffList);
  const flagList = h("ul", { id: "reply-flag-list", class: "handoff-list" });
  const flagSummary = h("summary", {}, "Replaced replies");
  const flags = h("details", { id: "reply-flags", class: "attention", hidden: true }, flagSummary, flagList);
  container.append(handoffs, flags);

  async function resolve(handoff: Handoff, resume: boolean, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      await api(path`/businesses/${handoff.businessId}/handoffs/${handoff.id}/resolve`, { method: "POST", body: { resume } });
      onChange?.();
      await refresh();
    } catch (thrown) {
      const error = apiError(thrown);
      button.disabled = false;
      button.title = error.message;
    }
  }

  function handoffRow(handoff: Handoff): HTMLLIElement {
    const resolveButton = h(
      "button",
      { type: "button", class: "secondary small", onclick: () => void resolve(handoff, false, resolveButton) },
      "Resolve",
    );
    const resumeButton = h(
      "button",
      { type: "button", class: "secondary small", onclick: () => void resolve(handoff, true, resumeButton) },
      "Resolve, agent answers again",
    );
    return h(
      "li",
      { class: handoff.reason.startsWith("safety:") ? "handoff safety" : "handoff", dataset: { id: handoff.id } },
      h(
        "div",
        { class: "conv-top" },
        h(
          "a",
          { href: `#/inbox/${handoff.conversationId}` },
          h("strong", {}, handoff.contactName ?? "A customer"),
          ` ${handoffReason(handoff.reason)}`,
        ),
        h("span", { class: "small muted" }, when(handoff.createdAt)),
      ),
      handoff.customerText ? h("blockquote", { class: "handoff-words small" }, `“${handoff.customerText}”`) : null,
      h("div", { class: "small" }, statusLine(handoff)),
      h("div", { class: "handoff-actions" }, resolveButton, handoff.agentPaused ? resumeButton : null),
    );
  }

  function flagRow(flag: ReplyFlag): HTMLLIElement {
    return h(
      "li",
      { class: "reply-flag", dataset: { id: flag.id } },
      h(
        "div",
        { class: "conv-top" },
        h("a", { href: `#/inbox/${flag.conversationId}`, title: flag.reason }, flagReason(flag.reason)),
        h("span", { class: "small muted" }, when(flag.createdAt)),
      ),
      h("div", { class: "small" }, h("strong", {}, "The model said: "), h("span", { class: "model-text" }, flag.modelText)),
      h("div", { class: "small muted" }, h("strong", {}, "Sent instead: "), flag.sentText),
    );
  }

  async function refresh(): Promise<void> {
    if (busy || destroyed) return;
    busy = true;
    try {
      const [open, replaced] = await Promise.all([
        api<Reply<"getBusinessesByBusinessIdHandoffs">>(`${base}/handoffs?status=open&limit=${LIMIT}`),
        api<Reply<"getBusinessesByBusinessIdReplyFlags">>(`${base}/reply-flags?limit=${LIMIT}`),
      ]);
      if (destroyed) return;
      clear(handoffList, open.items.map(handoffRow));
      handoffs.hidden = open.items.length === 0;
      clear(flagList, replaced.items.map(flagRow));
      flagSummary.textContent = `Replaced replies (${replaced.items.length}${replaced.nextCursor ? "+" : ""})`;
      flags.hidden = replaced.items.length === 0;
    } catch {
      /* the inbox list shows connection problems; this panel keeps its last content */
    } finally {
      busy = false;
    }
  }

  void refresh();
  return {
    refresh,
    destroy() {
      destroyed = true;
    },
  };
}
