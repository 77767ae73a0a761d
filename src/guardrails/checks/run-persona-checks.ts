import type { ChatPrompt } from "../../domain/chat-prompt.js";
import type { ChatModel, Generation } from "../../ports/chat-model.js";
import { loadPersonaV2 } from "../../personas/load-persona-v2.js";
import type { PersonaV2 } from "../../personas/persona-schema.js";
import { defaultPersonaBudget, renderPersona } from "../../personas/render-persona.js";
import { buildPolicyPrompt } from "../build-policy-prompt.js";
import { runPolicyTurn } from "../run-policy-turn.js";
import type { CheckStep } from "./checks-schema.js";
import { evaluateExpectations, type ExpectationResult, type TurnRecord } from "./evaluate-expectations.js";
import { loadChecksFile } from "./load-checks-file.js";

export interface PersonaCheckDeps {
  readonly model: ChatModel;
  readonly replyMaxTokens: number;
  readonly chunkTokens: number;
  /** Most tokens the system prompt may use; default: half of what the reply leaves of the context. */
  readonly personaBudget?: number;
}

export interface CheckRow extends ExpectationResult {
  readonly conversation: string;
  readonly step: number;
  readonly said: string;
  readonly outcome: string;
}

export interface PersonaCheckReport {
  readonly persona: PersonaV2;
  readonly checksFile: string;
  readonly systemPromptTokens: number;
  readonly budget: number;
  readonly rows: readonly CheckRow[];
  /** Every turn, with what was sent, for a closer look (--verbose). */
  readonly transcript: readonly { readonly conversation: string; readonly step: number; readonly turn: TurnRecord }[];
  readonly failed: number;
}

/** prompts/x.md -> prompts/x.checks.yaml */
export function checksFileOf(personaFile: string): string {
  return personaFile.replace(/\.md$/, ".checks.yaml");
}

interface Conversation {
  readonly key: string;
  readonly history: { direction: "inbound" | "outbound"; text: string }[];
  sentToday: number;
  replies: number;
}

/**
 * persona:check: replays the scripted conversations of `<persona>.checks.yaml` through the turn
 * policy around the real model and checks each step's expectations. Conversations are held in
 * memory; the rules, the prompt rendering and the model are the real ones.
 */
export async function runPersonaChecks(personaFile: string, deps: PersonaCheckDeps): Promise<PersonaCheckReport> {
  const persona = await loadPersonaV2(personaFile);
  const checksFile = checksFileOf(personaFile);
  const checks = await loadChecksFile(checksFile);
  const budget = deps.personaBudget ?? defaultPersonaBudget(deps.model.contextSize, deps.replyMaxTokens);
  const rendered = renderPersona(persona, {
    budget,
    countTokens: (system) => deps.model.countPromptTokens({ system, turns: [{ role: "user", text: "" }] }),
  });

  const rows: CheckRow[] = [];
  const transcript: PersonaCheckReport["transcript"][number][] = [];
  for (const [c, script] of checks.conversations.entries()) {
    const conversation: Conversation = { key: `persona-check:${persona.template}:${c}:${Date.now()}`, history: [], sentToday: 0, replies: 0 };
    for (const [s, step] of script.steps.entries()) {
      const turns = await runStep(step, conversation, persona, rendered.systemPrompt, deps);
      for (const turn of turns) transcript.push({ conversation: script.name, step: s + 1, turn });
      const said = [step.say].flat().join(" / ") + (step.repeat ? ` (x${step.repeat})` : "");
      const outcome = summarise(turns);
      for (const result of evaluateExpectations(step.expect, turns, persona)) rows.push({ conversation: script.name, step: s + 1, said, outcome, ...result });
    }
  }
  return { persona, checksFile, systemPromptTokens: rendered.tokens, budget, rows, transcript, failed: rows.filter((r) => !r.passed).length };
}

async function runStep(step: CheckStep, conversation: Conversation, persona: PersonaV2, systemPrompt: string, deps: PersonaCheckDeps): Promise<TurnRecord[]> {
  if (step.alreadySentToday !== undefined) conversation.sentToday = step.alreadySentToday;
  const texts = [step.say].flat();
  const turns: TurnRecord[] = [];
  for (let i = 0; i < (step.repeat ?? 1); i++) {
    // Steps are taken to be minutes apart; the repeats of one step arrive back to back.
    turns.push(await runTurn(texts, texts.length * (i + 1), conversation, persona, systemPrompt, deps));
  }
  return turns;
}

async function runTurn(texts: string[], burstSize: number, conversation: Conversation, persona: PersonaV2, systemPrompt: string, deps: PersonaCheckDeps): Promise<TurnRecord> {
  conversation.sentToday += texts.length;
  let prompt: ChatPrompt | undefined;
  let modelCalls = 0;
  const outcome = await runPolicyTurn<Generation>(
    {
      persona,
      systemPrompt,
      pending: texts.map((text) => ({ text })),
      history: conversation.history,
      isFirstReply: conversation.replies === 0,
      senderMessagesToday: conversation.sentToday,
      burstSize,
    },
    (userTexts) => {
      modelCalls++;
      prompt = buildPolicyPrompt({ systemPrompt, history: conversation.history, userTexts, model: deps.model, replyMaxTokens: deps.replyMaxTokens, chunkTokens: deps.chunkTokens });
      return deps.model.generate(prompt, { maxTokens: deps.replyMaxTokens, conversationKey: conversation.key });
    },
  );
  if (!outcome) throw new Error("a persona:check turn was abandoned");
  // Like the worker: skipped messages leave the conversation's history, answered ones stay in it.
  if (outcome.kind !== "ignored") {
    for (const text of texts) conversation.history.push({ direction: "inbound", text });
    conversation.history.push({ direction: "outbound", text: outcome.text });
    conversation.replies++;
  }
  return {
    texts,
    outcome,
    ...(prompt ? { renderedPrompt: deps.model.renderPrompt(prompt) } : {}),
    userTurns: prompt ? prompt.turns.filter((t) => t.role === "user").length : 0,
    modelCalls,
  };
}

function summarise(turns: readonly TurnRecord[]): string {
  const describe = (t: TurnRecord) => {
    const o = t.outcome;
    if (o.kind === "generated") return o.flagged ? `generated, replaced (${o.flagged})` : "generated";
    return `${o.kind} (${o.reason})`;
  };
  if (turns.length === 1) return describe(turns[0]!);
  const counts = new Map<string, number>();
  for (const t of turns) counts.set(describe(t), (counts.get(describe(t)) ?? 0) + 1);
  return `${turns.length} turns: ${[...counts].map(([d, n]) => `${n} ${d}`).join(", ")}`;
}
