import { access } from "node:fs/promises";
import type { ChatModel } from "../../ports/chat-model.js";
import { readPersonaFile } from "../../domain/personas/persona-file.js";
import type { Persona } from "../../domain/personas/persona-schema.js";
import { checkPersonaFits, personaTokenBudget, PersonaTooLongError, renderSystemPrompt } from "../../domain/personas/render-persona.js";
import { evaluateExpectations, type ExpectationResult, type TurnRecord } from "./evaluate-expectations.js";
import type { ChecksFile } from "./checks-schema.js";
import { defaultChecks } from "./default-checks.js";
import { loadChecksFile } from "./load-checks-file.js";

/** One scripted conversation driven through the pipeline (a web chat session). */
export interface ScriptedConversation {
  /**
   * Sends the texts as one burst (back to back; `atOnce`: all together, a flood), waits until the
   * worker has settled them, and returns the turns that did.
   */
  step(texts: readonly string[], options: { alreadySentToday?: number; atOnce?: boolean }): Promise<TurnRecord[]>;
}

/** The running system the scripts are replayed through. */
export interface CheckRun {
  openConversation(): ScriptedConversation;
  close(): Promise<void>;
}

export interface PersonaCheckDeps {
  /** The model the worker runs: its context size and tokenizer size the persona's budget. */
  readonly model: Pick<ChatModel, "contextSize" | "countPromptTokens">;
  readonly replyMaxTokens: number;
  /** Most tokens the system prompt may use; default: half of what the reply leaves of the context. */
  readonly personaBudget?: number;
  /** Starts the pipeline once the persona and its checks are known to be valid. */
  readonly start: () => Promise<CheckRun>;
}

export interface CheckRow extends ExpectationResult {
  readonly conversation: string;
  readonly step: number;
  readonly said: string;
  readonly outcome: string;
}

export interface PersonaCheckReport {
  /** The persona file's name without .md. */
  readonly template: string;
  readonly persona: Persona;
  readonly checksFile: string;
  readonly systemPromptTokens: number;
  readonly budget: number;
  readonly rows: readonly CheckRow[];
  /** Every turn, with what was sent, for a closer look (--verbose). */
  readonly transcript: readonly { readonly conversation: string; readonly step: number; readonly turn: TurnRecord }[];
  readonly failed: number;
}

/** The file's scripted checks, or, when it has none (a file exported from the console), the ones its settings call for. */
export async function checksFor(personaFile: string, persona: Persona): Promise<{ checks: ChecksFile; source: string }> {
  const file = checksFileOf(personaFile);
  const exists = await access(file).then(
    () => true,
    () => false,
  );
  return exists
    ? { checks: await loadChecksFile(file), source: file }
    : { checks: defaultChecks(persona), source: "the persona's own settings (no .checks.yaml beside it)" };
}

/** prompts/x.md -> prompts/x.checks.yaml */
export function checksFileOf(personaFile: string): string {
  return personaFile.replace(/\.md$/, ".checks.yaml");
}

/**
 * persona:check: replays the scripted conversations of `<persona>.checks.yaml` through the running
 * pipeline (each conversation a web chat session, each step answered before the next is sent) and
 * checks each step's expectations against what the worker did and the channel sent.
 */
export async function runPersonaChecks(personaFile: string, deps: PersonaCheckDeps): Promise<PersonaCheckReport> {
  const persona = await readPersonaFile(personaFile);
  const { checks, source: checksFile } = await checksFor(personaFile, persona);
  const budget = deps.personaBudget ?? personaTokenBudget(deps.model.contextSize, deps.replyMaxTokens);
  let rendered: ReturnType<typeof checkPersonaFits>;
  try {
    // Counted as the worker's model counts it (on an engine, possibly by its server), then the one budget check.
    const tokens = await deps.model.countPromptTokens({ system: renderSystemPrompt(persona), turns: [{ role: "user", text: "" }] });
    rendered = checkPersonaFits(persona, { maxPersonaTokens: budget, countTokens: () => tokens });
  } catch (error) {
    if (error instanceof PersonaTooLongError) throw new PersonaTooLongError(error.tokens, error.limit, personaFile);
    throw error;
  }

  const run = await deps.start();
  const rows: CheckRow[] = [];
  const transcript: PersonaCheckReport["transcript"][number][] = [];
  try {
    for (const script of checks.conversations) {
      const conversation = run.openConversation();
      for (const [s, step] of script.steps.entries()) {
        const texts = Array.from({ length: step.repeat ?? 1 }, () => [step.say].flat()).flat();
        const turns = await conversation.step(texts, {
          atOnce: step.repeat !== undefined,
          ...(step.alreadySentToday === undefined ? {} : { alreadySentToday: step.alreadySentToday }),
        });
        for (const turn of turns) transcript.push({ conversation: script.name, step: s + 1, turn });
        const said = [step.say].flat().join(" / ") + (step.repeat ? ` (x${step.repeat})` : "");
        const outcome = summarise(turns);
        for (const result of evaluateExpectations(step.expect, turns, persona))
          rows.push({ conversation: script.name, step: s + 1, said, outcome, ...result });
      }
    }
  } finally {
    await run.close();
  }
  const template = personaFile.replace(/^.*[\\/]/, "").replace(/\.md$/, "");
  return {
    template,
    persona,
    checksFile,
    systemPromptTokens: rendered.tokens,
    budget,
    rows,
    transcript,
    failed: rows.filter((r) => !r.passed).length,
  };
}

function summarise(turns: readonly TurnRecord[]): string {
  const describe = (t: TurnRecord) => {
    const o = t.outcome;
    if (o.kind === "generated") return o.flagged ? `generated, replaced (${o.flagged})` : "generated";
    return `${o.kind} (${o.reason})`;
  };
  if (turns.length === 0) return "no turn";
  if (turns.length === 1) return describe(turns[0]!);
  const counts = new Map<string, number>();
  for (const t of turns) counts.set(describe(t), (counts.get(describe(t)) ?? 0) + 1);
  return `${turns.length} turns: ${[...counts].map(([d, n]) => `${n} ${d}`).join(", ")}`;
}
