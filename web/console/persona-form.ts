// The persona as a form: who the agent is, its voice, what it knows, its rules and limits, where handoffs go.
import { type Attrs, type Child, find, h } from "./dom.js";
import { BUILT_IN_TRIGGERS, type FieldRef, type FormProblem, type FormValues, type ListName, REPLY_KEYS } from "./persona-model.js";
import { type RowList, rowList } from "./persona-rows.js";

type Input = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

export interface PersonaForm {
  readonly el: HTMLDivElement;
  values(): FormValues;
  set(values: FormValues): void;
  mark(problems: readonly FormProblem[]): void;
  clearMarks(): void;
  focus(ref: FieldRef): void;
  readonly inputs: Record<string, Input>;
}

const TRIGGERS: Record<string, [string, string]> = {
  human: ["Asks for a person", "“Can I talk to someone?”, “quiero hablar con una persona”"],
  refund: ["Wants a refund or their money back", "“refund”, “money back”, “reembolso”, “devolución”"],
  complaint: ["Complains", "“I want to complain”, “this is unacceptable”, “queja”, “reclamación”"],
};
const OWNER_CHANNELS: [value: string, label: string, toLabel: string, placeholder: string, hint: string][] = [
  [
    "admin",
    "Here in the console only",
    "Name of the person or team who takes over",
    "e.g. shop owner",
    "Handoffs wait in the Inbox; nothing is sent anywhere.",
  ],
  [
    "whatsapp_cloud",
    "A WhatsApp message (Business account)",
    "Phone number to notify, with country code",
    "+34 600 111 222",
    "Sent through this business's WhatsApp Business channel.",
  ],
  [
    "whatsapp_web",
    "A WhatsApp message (linked phone)",
    "Phone number to notify, with country code",
    "+34 600 111 222",
    "Sent through the phone linked on the Channels page.",
  ],
  ["instagram", "An Instagram message", "Instagram account id to notify", "17841400000000000", "Sent through this business's Instagram channel."],
  ["webchat", "A web chat session", "Web chat session id", "", "Only useful for testing."],
];
const REPLIES: Record<string, [string, string]> = {
  fallback: ["When it has no reliable answer", "Sorry, I can't give you a reliable answer to that here. Could you ask me another way?"],
  handoff: [
    "When it hands the conversation to a person",
    "Thanks for telling me. I've passed this on to {who}, who will reply to you personally as soon as possible.",
  ],
  decline: ["When asked about a topic it does not talk about", "Sorry, that's not something I can talk about here. Ask me about anything else!"],
  capNotice: [
    "When someone reaches the daily limit",
    "Thanks for all the messages today! I've reached my chat limit for today, so I'll be quiet until tomorrow. Talk soon!",
  ],
  floodNotice: [
    "When someone sends too many messages at once",
    "That's a lot of messages at once! Please send your question in one message and give me a moment to answer.",
  ],
};

/** Returns {el, values(), set(values), mark(problems), clearMarks(), focus(ref)}; onChange after every edit. */
export function personaForm({ onChange }: { onChange: () => void }): PersonaForm {
  const inputs: Record<string, Input> = {};
  const text = (id: string, attrs: Attrs = {}) => (inputs[id] = h("input", { id: `pf-${id}`, type: "text", maxlength: 2000, ...attrs }));
  const area = (id: string, rows: number, attrs: Attrs = {}) => (inputs[id] = h("textarea", { id: `pf-${id}`, rows, maxlength: 2000, ...attrs }));
  const count = (id: string, attrs: Attrs = {}) => text(id, { inputmode: "numeric", autocomplete: "off", class: "number", maxlength: 9, ...attrs });

  const kindRadios = ["support", "fan"].map((k) =>
    h("input", { type: "radio", name: "pf-kind", id: `pf-kind-${k}`, value: k, dataset: { field: "kind" } }),
  );
  const [supportRadio, fanRadio] = kindRadios as [HTMLInputElement, HTMLInputElement];
  inputs.kind = supportRadio;
  const kindChoice = (radio: HTMLInputElement, title: string, hint: string) =>
    h("label", { class: "choice-card", for: radio.id }, radio, h("span", {}, h("strong", {}, title), h("span", { class: "small muted" }, hint)));
  const builtIns: Record<string, HTMLInputElement> = Object.fromEntries(
    BUILT_IN_TRIGGERS.map((t) => [t, h("input", { type: "checkbox", id: `pf-trigger-${t}`, value: t })]),
  );
  const humanTrigger = builtIns.human!;
  const ownerChannel = (inputs.ownerChannel = h(
    "select",
    { id: "pf-ownerChannel" },
    OWNER_CHANNELS.map(([value, label]) => h("option", { value }, label)),
  ));

  const lists: Record<ListName, RowList> = {
    facts: rowList({
      id: "pf-facts",
      noun: "fact",
      addLabel: "Add a fact",
      onChange,
      fields: [
        { key: "label", name: "label", placeholder: "Label, e.g. hours", max: 100 },
        { key: "text", name: "text", placeholder: "e.g. Tuesday to Saturday 7:00-18:00", multiline: true },
      ],
    }),
    rules: rowList({
      id: "pf-rules",
      noun: "rule",
      addLabel: "Add a rule",
      onChange,
      fields: [{ key: "text", name: "rule", placeholder: "e.g. Never promise a discount.", multiline: true }],
    }),
    triggers: rowList({
      id: "pf-triggers",
      noun: "handoff word",
      addLabel: "Add a word or phrase",
      onChange,
      fields: [{ key: "text", name: "word", placeholder: "e.g. wedding cake" }],
    }),
    topics: rowList({
      id: "pf-topics",
      noun: "topic",
      addLabel: "Add a topic",
      onChange,
      fields: [
        { key: "topic", name: "topic", placeholder: "Topic, e.g. politics", max: 200 },
        { key: "keywords", name: "words that mean it, comma separated (optional)", placeholder: "Words for it (optional)", multiline: true },
      ],
    }),
    blocklist: rowList({
      id: "pf-blocklist",
      noun: "blocked word",
      addLabel: "Add a word",
      onChange,
      fields: [{ key: "text", name: "word", placeholder: "e.g. a competitor's name" }],
    }),
  };

  const labels: Record<string, HTMLLabelElement> = {};
  const field = (id: string, label: string, input: Input, hint?: string | null) => {
    const labelEl = h("label", { for: input.id }, label);
    labels[id] = labelEl;
    if (hint) input.setAttribute("aria-describedby", `${input.id}-hint`);
    return h(
      "div",
      { class: "field", dataset: { field: id } },
      labelEl,
      input,
      hint ? h("p", { class: "hint", id: `${input.id}-hint` }, hint) : null,
    );
  };
  const section = (id: string, title: string, hint: string | null, ...body: Child[]) =>
    h(
      "fieldset",
      { class: "form-section", id: `pf-section-${id}`, dataset: { field: id } },
      h("legend", {}, title),
      hint ? h("p", { class: "hint" }, hint) : null,
      body,
    );

  const disclosureField = field(
    "disclosure",
    "What it says to show it is an AI",
    area("disclosure", 1, { placeholder: "Hi! I'm Mia's AI assistant, not Mia herself." }),
    "Said in its first reply and whenever someone asks if it is a person. It must say AI, bot or virtual assistant.",
  );
  const ownerHint = h("p", { class: "hint", id: "pf-ownerTo-hint" });
  const ownerToField = field("ownerTo", "", text("ownerTo", { "aria-describedby": "pf-ownerTo-hint", maxlength: 200 }));
  ownerToField.append(ownerHint);
  const dailyHint = h("p", { class: "hint", id: "pf-daily-hint" });
  const repliesBox = h(
    "details",
    { class: "replies", id: "pf-replies" },
    h("summary", {}, "Own wording for the fixed replies (optional)"),
    h(
      "p",
      { class: "hint" },
      "The agent says these without the model. Leave one empty to use the default shown in it (Spanish speakers get the Spanish default). {who} becomes “the owner” or “<name>'s team”.",
    ),
    REPLY_KEYS.map((key) => field(`reply-${key}`, REPLIES[key]?.[0] ?? key, area(`reply-${key}`, 2, { placeholder: REPLIES[key]?.[1] }))),
  );

  const el = h(
    "div",
    { class: "persona-form", id: "persona-form" },
    section(
      "who",
      "Who the agent is",
      null,
      h(
        "div",
        { class: "choices kind", role: "radiogroup", "aria-label": "Kind of agent" },
        kindChoice(supportRadio, "Support agent", "Answers a business's customers: hours, prices, orders."),
        kindChoice(fanRadio, "Fan agent", "Chats with a creator's fans in their style, and always says it is an AI."),
      ),
      h("div", { class: "field-error-slot", dataset: { field: "kind" } }),
      disclosureField,
      field("name", "Agent's name", text("name", { maxlength: 200 })),
      field("business", "Business", text("business", { maxlength: 200 })),
      h(
        "div",
        { class: "pair" },
        field("language", "Main language", text("language", { maxlength: 100 }), "It answers in the customer's language; this one when unsure."),
        field("tone", "Tone", area("tone", 1, { placeholder: "warm, brief and cheerful" })),
      ),
    ),
    section(
      "voice",
      "Voice",
      "How the agent talks, in your words: who it is, its style, what it helps with. Facts and rules have their own sections below.",
      field("voice", "Voice", area("voice", 8, { maxlength: 20000, class: "voice" })),
    ),
    section("facts", "What it knows", "Hours, prices, address, links: the only ones the agent may quote. It never makes these up.", lists.facts.el),
    section("rules", "Its rules", "Things it must always or never do, one per row.", lists.rules.el),
    section(
      "handoff",
      "Handing over to a person",
      "When a message matches, the agent does not answer it: it says a person will reply, pauses, and you are told.",
      h(
        "div",
        { class: "choices triggers" },
        BUILT_IN_TRIGGERS.map((t) =>
          h(
            "label",
            { class: "choice-card", for: builtIns[t]?.id },
            builtIns[t],
            h(
              "span",
              {},
              h("strong", {}, TRIGGERS[t]?.[0]),
              h("span", { class: "small muted" }, `Recognised in many wordings, English and Spanish: ${TRIGGERS[t]?.[1]}`),
            ),
          ),
        ),
      ),
      h("p", { class: "sublabel" }, "Also when a message contains one of these words or phrases:"),
      lists.triggers.el,
    ),
    section(
      "topics",
      "Topics it does not talk about",
      "It politely changes the subject. Politics, religion, relationships, dating, address, location, medical and money come with their own words; for other topics, list the words that mean them.",
      lists.topics.el,
    ),
    section(
      "blocklist",
      "Words its replies never contain",
      "A competitor's name, a word you never want said: a reply with one is not sent.",
      lists.blocklist.el,
    ),
    section(
      "limits",
      "Limits",
      null,
      field("daily", "Messages answered per person per day", count("daily"), null),
      field(
        "maxReply",
        "Longest reply, in characters",
        count("maxReply", { placeholder: "no limit" }),
        "From 40 to 4,000. Leave empty for no limit.",
      ),
      field(
        "flood",
        "Messages per minute before it asks to slow down",
        count("flood", { placeholder: "10" }),
        "From 2 to 1,000: more than this from one person in a minute gets one notice, then silence.",
      ),
    ),
    section("owner", "Where handoffs are announced", null, field("ownerChannel", "Tell me by", ownerChannel), ownerToField),
    repliesBox,
  );
  find(el, '.field[data-field="daily"]', HTMLDivElement).append(dailyHint);
  const label = (id: string): HTMLLabelElement => labels[id]!;
  const input = (id: string): Input => inputs[id]!;
  label("voice").className = "sr-only"; // the section's legend says it
  input("daily").setAttribute("aria-describedby", dailyHint.id);

  function kind(): string {
    return kindRadios.find((r) => r.checked)?.value ?? "support";
  }

  // What only applies to one kind: the disclosure and the daily limit; a fan agent is named after its creator.
  function showKind() {
    const fan = kind() === "fan";
    disclosureField.hidden = !fan && input("disclosure").value.trim() === "";
    label("disclosure").textContent = fan ? "What it says to show it is an AI" : "What it says to show it is an AI (optional for a support agent)";
    label("name").textContent = fan ? "Creator's name (it speaks in their style)" : "Agent's name";
    label("business").textContent = fan ? "Channel or brand" : "Business";
    label("daily").textContent = fan ? "Messages answered per fan per day" : "Messages answered per customer per day (optional)";
    dailyHint.textContent = fan
      ? "Required for a fan agent: after this many, the fan gets one notice and then silence until tomorrow."
      : "Leave empty for no limit.";
    const languageHint = el.querySelector("#pf-language-hint");
    if (languageHint) languageHint.textContent = `It answers in the ${fan ? "fan's" : "customer's"} language; this one when unsure.`;
  }

  function showOwner() {
    const [, , toLabel, placeholder, hint] = OWNER_CHANNELS.find(([value]) => value === ownerChannel.value) ?? OWNER_CHANNELS[0]!;
    label("ownerTo").textContent = toLabel;
    (input("ownerTo") as HTMLInputElement).placeholder = placeholder;
    ownerHint.textContent = hint;
  }

  el.addEventListener("input", (event) => {
    const target = event.target as Input;
    unmark(target);
    if (target.closest("#pf-section-handoff")) unmark(humanTrigger);
    if (target.name === "pf-kind") showKind();
    if (target === ownerChannel) showOwner();
    onChange();
  });
  el.addEventListener("change", (event) => {
    const target = event.target as Input;
    if (target.type === "radio" || target.type === "checkbox" || target.tagName === "SELECT") {
      for (const changed of target.type === "radio" ? kindRadios : [target]) unmark(changed);
      showKind();
      showOwner();
      onChange();
    }
  });

  const simple: (keyof FormValues)[] = [
    "name",
    "business",
    "language",
    "tone",
    "disclosure",
    "voice",
    "daily",
    "maxReply",
    "flood",
    "ownerChannel",
    "ownerTo",
  ];

  function values(): FormValues {
    return {
      kind: kind(),
      ...Object.fromEntries(simple.map((k) => [k, input(k).value])),
      builtIns: Object.fromEntries(BUILT_IN_TRIGGERS.map((t) => [t, builtIns[t]?.checked ?? false])),
      ...Object.fromEntries(Object.entries(lists).map(([k, list]) => [k, list.values()])),
      replies: Object.fromEntries(REPLY_KEYS.map((k) => [k, input(`reply-${k}`).value])),
    } as FormValues;
  }

  function set(v: FormValues): void {
    for (const r of kindRadios) r.checked = r.value === v.kind;
    for (const k of simple) input(k).value = v[k] as string;
    if (![...ownerChannel.options].some((o) => o.value === v.ownerChannel)) ownerChannel.value = "admin";
    for (const t of BUILT_IN_TRIGGERS) builtIns[t]!.checked = Boolean(v.builtIns[t]);
    for (const [k, list] of Object.entries(lists) as [ListName, RowList][]) list.set(v[k]);
    for (const k of REPLY_KEYS) input(`reply-${k}`).value = v.replies[k] ?? "";
    repliesBox.open = REPLY_KEYS.some((k) => (v.replies[k] ?? "").trim() !== "");
    clearMarks();
    showKind();
    showOwner();
  }

  /** The input a problem is about, and the element its message goes after. */
  function target(ref: FieldRef): { input: HTMLElement; after: Element } | null {
    if (ref.list) {
      const list = lists[ref.list];
      const rowInput = ref.row === undefined ? null : list.input(ref.row, ref.field);
      const rowEnd = ref.row === undefined ? null : list.row(ref.row)?.lastElementChild;
      return rowInput && rowEnd
        ? { input: rowInput, after: rowEnd }
        : { input: list.input(0) ?? list.addButton, after: list.el.firstElementChild ?? list.el };
    }
    if (ref.group === "handoff") return { input: humanTrigger, after: find(el, "#pf-section-handoff .choices", HTMLDivElement) };
    if (ref.field === "kind")
      return { input: kindRadios.find((r) => r.checked) ?? supportRadio, after: find(el, '.field-error-slot[data-field="kind"]', HTMLDivElement) };
    const found = ref.field === undefined ? undefined : inputs[ref.field];
    if (!found) return null;
    if (found.closest(".replies")) repliesBox.open = true;
    return { input: found, after: found };
  }

  let marks = 0;
  function mark(problems: readonly FormProblem[]): void {
    clearMarks();
    for (const p of problems) {
      const t = p.ref && target(p.ref);
      if (!t) continue;
      const id = `pf-error-${++marks}`;
      t.after.after(h("p", { class: "field-error", id }, p.message));
      t.input.setAttribute("aria-invalid", "true");
      t.input.setAttribute("aria-describedby", [t.input.getAttribute("aria-describedby"), id].filter(Boolean).join(" "));
      const hidden = t.input.closest<HTMLElement>("[hidden]");
      if (hidden) hidden.hidden = false;
    }
  }

  function unmark(input: Element | null): void {
    if (input?.getAttribute?.("aria-invalid") !== "true") return;
    input.removeAttribute("aria-invalid");
    for (const id of (input.getAttribute("aria-describedby") ?? "").split(" ").filter((x) => x.startsWith("pf-error-")))
      document.getElementById(id)?.remove();
    const rest = (input.getAttribute("aria-describedby") ?? "").split(" ").filter((x) => x && !x.startsWith("pf-error-"));
    if (rest.length) input.setAttribute("aria-describedby", rest.join(" "));
    else input.removeAttribute("aria-describedby");
  }

  function clearMarks() {
    for (const input of el.querySelectorAll('[aria-invalid="true"]')) unmark(input);
    for (const p of el.querySelectorAll(".field-error")) p.remove();
  }

  function focus(ref: FieldRef): void {
    const t = target(ref);
    if (!t) return;
    t.input.scrollIntoView({ block: "center" });
    t.input.focus({ preventScroll: true });
  }

  return { el, values, set, mark, clearMarks, focus, inputs };
}
