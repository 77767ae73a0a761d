/** Most words a search takes; more narrow nothing a person would notice. */
const MAX_WORDS = 6;
const MAX_WORD_CHARS = 40;

/**
 * A PostgreSQL tsquery (simple configuration) from what a person typed: every word must appear,
 * the last one as a prefix (typing "croiss" finds "croissants"). Only letters and digits reach the
 * query, so nothing typed can be query syntax. null when no word is left.
 */
export function searchQuery(text: string): string | null {
  return wordsQuery(text);
}

/** The business as a word of the index (see the migration 20261203100000_inbox_waiting). */
export function businessWord(businessId: string): string {
  return `b${businessId.replaceAll("-", "").toLowerCase()}`;
}

/** The search within one business: its word and the typed words, for the index Message_words_idx. */
export function businessSearchQuery(businessId: string, text: string): string | null {
  const words = wordsQuery(text);
  return words ? `${businessWord(businessId)} & ${words}` : null;
}

function wordsQuery(text: string): string | null {
  const words = (
    text
      .normalize("NFC")
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  )
    .slice(0, MAX_WORDS)
    .map((w) => w.slice(0, MAX_WORD_CHARS));
  if (words.length === 0) return null;
  return words.map((w, i) => (i === words.length - 1 ? `${w}:*` : w)).join(" & ");
}
