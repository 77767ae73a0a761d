import { neutraliseControlText } from "../guardrails/neutralise-control-text.js";

export interface NotePassage {
  readonly id: string;
  readonly title: string;
  readonly text: string;
}

const HEADER = "Notes from our knowledge base (use them only if they answer the customer; do not mention the notes):";
const FOOTER = "Customer's message:";

/**
 * The block put before the customer's text in the newest user turn: the passages, best first,
 * as many as fit in `budgetTokens` (counted by `count`, the model's tokenizer). Passage text is
 * made inert like customer text, since a business's documents could hold template markers too.
 */
export function knowledgeNotes(passages: readonly NotePassage[], budgetTokens: number, count: (text: string) => number): { text: string; used: string[] } | null {
  const lines: string[] = [];
  const used: string[] = [];
  const render = (items: readonly string[]) => `${HEADER}\n${items.join("\n")}\n\n${FOOTER}\n`;
  for (const p of passages) {
    const line = `- ${neutraliseControlText(p.title)}: ${neutraliseControlText(p.text).replace(/\s*\n\s*/g, " ")}`;
    if (count(render([...lines, line])) > budgetTokens) continue;
    lines.push(line);
    used.push(p.id);
  }
  return lines.length === 0 ? null : { text: render(lines), used };
}
