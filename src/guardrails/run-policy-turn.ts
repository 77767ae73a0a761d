import { turnPolicy, type BeforeGenerationInput, type TurnPolicy } from "./turn-policy.js";

export type PolicyTurnOutcome<G> =
  | { readonly kind: "generated"; readonly text: string; readonly flagged?: string; readonly askedIfHuman: boolean; readonly generation: G }
  | { readonly kind: "reply"; readonly text: string; readonly reason: string }
  | { readonly kind: "handoff"; readonly text: string; readonly reason: string; readonly notify: string }
  | { readonly kind: "ignored"; readonly reason: string };

export interface PolicyTurnInput extends BeforeGenerationInput {
  /** The rendered persona the model is given (renderPersona), to notice a reply that recites it. */
  readonly systemPrompt: string;
}

/**
 * One turn with the policy around the model: beforeGeneration decides; only a "generate" decision
 * calls `generate` with the approved user texts (the worker: generateReply over stored messages;
 * persona:check: the model over an in-memory conversation); afterGeneration makes the reply safe.
 * `generate` may return null when the turn was abandoned (nothing left to answer); so does this.
 */
export async function runPolicyTurn<G extends { readonly text: string }>(
  input: PolicyTurnInput,
  generate: (userTexts: string[]) => Promise<G | null>,
  policy: TurnPolicy = turnPolicy,
): Promise<PolicyTurnOutcome<G> | null> {
  const decision = policy.beforeGeneration(input);
  switch (decision.action) {
    case "ignore":
      return { kind: "ignored", reason: decision.reason };
    case "reply":
      return { kind: "reply", text: decision.text, reason: decision.reason };
    case "handoff":
      return { kind: "handoff", text: decision.text, reason: decision.reason, notify: decision.notify };
    case "generate": {
      const generation = await generate(decision.userTexts);
      if (!generation) return null;
      const checked = policy.afterGeneration({
        persona: input.persona,
        reply: generation.text,
        isFirstReply: input.isFirstReply,
        askedIfHuman: decision.askedIfHuman,
        systemPrompt: input.systemPrompt,
        language: decision.language,
      });
      return { kind: "generated", text: checked.text, ...(checked.flagged ? { flagged: checked.flagged } : {}), askedIfHuman: decision.askedIfHuman, generation };
    }
  }
}
