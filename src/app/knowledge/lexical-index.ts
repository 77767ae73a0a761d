import MiniSearch from "minisearch";
import { contentTerms } from "./fold-terms.js";
import type { Passage } from "./split-passages.js";

export interface RankedPassage {
  readonly passage: Passage;
  readonly score: number;
}

export interface LexicalIndexOptions {
  /** Relative edit distance allowed per term (typos): 0.2 = one edit in 5 letters. */
  readonly fuzzy: number;
  /** Title (the FAQ question, the document name) counts this many times the text. */
  readonly titleBoost: number;
}

export const DEFAULT_LEXICAL: LexicalIndexOptions = { fuzzy: 0.2, titleBoost: 2 };

/**
 * BM25 full-text search over one business's passages (MiniSearch), with prefix and fuzzy
 * matching for typos and word forms, accent- and case-folded so Spanish matches either way.
 */
export class LexicalIndex {
  private readonly search: MiniSearch<Passage>;
  private readonly byId: Map<string, Passage>;

  constructor(
    passages: readonly Passage[],
    private readonly options: LexicalIndexOptions = DEFAULT_LEXICAL,
  ) {
    this.byId = new Map(passages.map((p) => [p.id, p]));
    this.search = new MiniSearch<Passage>({
      fields: ["title", "text"],
      tokenize: contentTerms,
      processTerm: (term) => term,
    });
    this.search.addAll(passages);
  }

  get size(): number {
    return this.byId.size;
  }

  /** Best first; at most `limit`, only those scoring at least `minScore`. */
  rank(query: string, limit: number, minScore = 0): RankedPassage[] {
    if (this.byId.size === 0 || contentTerms(query).length === 0) return [];
    const hits = this.search.search(query, {
      boost: { title: this.options.titleBoost },
      fuzzy: (term) => (term.length >= 4 ? this.options.fuzzy : false),
      prefix: (term) => term.length >= 4,
      combineWith: "OR",
    });
    return hits
      .filter((h) => h.score >= minScore)
      .slice(0, limit)
      .map((h) => ({ passage: this.byId.get(h.id as string)!, score: h.score }));
  }
}
