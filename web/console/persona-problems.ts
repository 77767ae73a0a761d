// Problems with a persona edit, in the owner's words, each tied to the form input it is about.
import type { Problem } from "./api.js";
import { clear, h } from "./dom.js";
import type { FieldRef, FormProblem, Where } from "./persona-model.js";

const number = new Intl.NumberFormat();

/**
 * The API's problems ({field: "body.persona.settings.facts.hours", message}) as form problems
 * ({ref, label, message}); `where` is personaOf()'s map from API fields to form inputs.
 */
export function formProblems(problems: readonly Problem[], where: Where): FormProblem[] {
  return problems.map(({ field, message }) => {
    const path = field.replace(/^body\.persona\.?/, "");
    const found = lookup(where, path);
    return { ref: found?.ref ?? null, label: found?.label ?? "Persona", message: ownerWords(path, message, found?.ref) };
  });
}

/** A PERSONA_TOO_LONG error's details as a problem at the voice. */
export function tooLongProblem({ tokens, limit }: { tokens: number; limit: number }): FormProblem {
  const over = tokens - limit;
  return {
    ref: { field: "voice" },
    label: "Length",
    message: `The whole persona is ${number.format(tokens)} tokens and the limit is ${number.format(limit)}. Remove about ${number.format(over)} tokens (roughly ${number.format(Math.ceil(over * 0.75))} words) from the voice, facts or rules.`,
  };
}

// "settings.limits.blockedTopics[1].keywords[0]" -> the closest field the form registered.
function lookup(where: Where, path: string): { ref: FieldRef; label: string } | undefined {
  for (let p = path; p; p = p.replace(/(\.[^.[\]]*|\[\d+\])$/, "")) {
    if (where.has(p)) return where.get(p);
    if (!/[.[]/.test(p)) break;
  }
  return undefined;
}

const RULES: [RegExp, (m: RegExpMatchArray, ref: FieldRef | undefined) => string][] = [
  [/is empty|is required/, (m, ref) => (ref?.row !== undefined ? "Fill this in, or remove the row." : "Fill this in.")],
  [/has at most (\d+) characters/, (m) => `Too long: at most ${number.format(Number(m[1]))} characters.`],
  [/must be a whole number/, () => "Write a whole number, like 20."],
  [/must be at least (\d+)/, (m) => `Write ${m[1]} or more.`],
  [/must be at most (\d+)/, (m) => `Write ${number.format(Number(m[1]))} or less.`],
  [/needs at least one entry/, () => "Add at least one."],
  [/^at most (\d+) (.+)$/, (m) => `At most ${m[1]} ${m[2]}.`],
  [/must be one of/, () => "Pick one of the choices."],
  [/must be text/, () => "Write this as text."],
];

function ownerWords(path: string, message: string, ref: FieldRef | undefined): string {
  if (path === "settings.handoff" || path === "settings.handoff.triggers") {
    return "A support agent must hand some conversations to a person: tick at least one reason or add a word.";
  }
  if (path === "settings.disclosure") {
    return /required/.test(message)
      ? "A fan agent must tell fans it is an AI: write the line it says."
      : "The line must say it is an AI: use a word like AI, bot or virtual assistant.";
  }
  if (path === "settings.limits.dailyMessagesPerFan" && /required/.test(message))
    return "A fan agent needs a daily limit: how many messages a fan gets answered per day.";
  if (path === "voice" && /empty/.test(message)) return "Describe how the agent talks: who it is, its style, what it helps with.";
  for (const [pattern, say] of RULES) {
    const m = message.match(pattern);
    if (m) return say(m, ref);
  }
  return message.charAt(0).toUpperCase() + message.slice(1);
}

/** Fills `box` with a summary of the problems, each a button that takes the owner to its input. */
export function renderSummary(
  box: HTMLElement,
  problems: readonly FormProblem[],
  { title, focus }: { title: string; focus: (ref: FieldRef) => void },
): void {
  box.hidden = false;
  clear(
    box,
    h("strong", {}, title),
    h(
      "ul",
      { class: "problem-list" },
      problems.map((p) =>
        h(
          "li",
          {},
          p.ref
            ? h("button", { type: "button", class: "link-button problem-link", onclick: () => p.ref && focus(p.ref) }, `${p.label}: ${p.message}`)
            : `${p.label}: ${p.message}`,
        ),
      ),
    ),
  );
}
