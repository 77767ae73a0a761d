import { commonControlText, type ControlText } from "../../domain/guardrails/neutralise-control-text.js";

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
export async function knowledgeNotes(
  passages: readonly NotePassage[],
  budgetTokens: number,
  count: (text: string) => Promise<number>,
  controlText: ControlText = commonControlText,
): Promise<{ text: string; used: string[] } | null> {
  const lines: string[] = [];
  const used: string[] = [];
  const render = (items: readonly string[]) => `${HEADER}\n${items.join("\n")}\n\n${FOOTER}\n`;
  for (const p of passages) {
    const line = `- ${controlText.neutralise(p.title)}: ${controlText.neutralise(p.text).replace(/\s*\n\s*/g, " ")}`;
    const fits = async (candidate: string) => (await count(render([...lines, candidate]))) <= budgetTokens;
    // The best passage is cut to fit rather than dropped; later ones only go in whole.
    const placed = (await fits(line)) ? line : lines.length === 0 ? await longestFittingPrefix(line, fits) : null;
    if (!placed) continue;
    lines.push(placed);
    used.push(p.id);
  }
  return lines.length === 0 ? null : { text: render(lines), used };
}

/** The longest word-boundary prefix of `line` (ending in "…") that fits; null when not even a few words do. */
async function longestFittingPrefix(line: string, fits: (candidate: string) => Promise<boolean>): Promise<string | null> {
  const words = line.split(" ");
  const cut = (n: number) => `${words.slice(0, n).join(" ")} …`;
  let [low, high] = [0, words.length - 1];
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (await fits(cut(mid))) low = mid;
    else high = mid - 1;
  }
  return low >= MIN_WORDS ? cut(low) : null;
}

const MIN_WORDS = 8;
