import type { BlockedTopic } from "../personas/persona-schema.js";
import { foldText, phrasePattern } from "./fold-text.js";
import { TOPIC_KEYWORDS } from "./topic-keywords.js";

/** The first blocked topic the text touches (by its name or keywords), or undefined. */
export function findBlockedTopic(text: string, topics: readonly BlockedTopic[]): string | undefined {
  const folded = foldText(text);
  for (const entry of topics) {
    const topic = typeof entry === "string" ? entry : entry.topic;
    const words = typeof entry === "string" ? (TOPIC_KEYWORDS[foldText(topic)] ?? []) : entry.keywords;
    if ([topic, ...words].some((w) => phrasePattern(w).test(folded))) return topic;
  }
  return undefined;
}
