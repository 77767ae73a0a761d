import { figureValues } from "../../domain/guardrails/find-fact-contradictions.js";
import type { KnowledgeStamp, KnowledgeStore } from "../../ports/knowledge-store.js";
import { LexicalIndex, type RankedPassage } from "./lexical-index.js";
import { splitPassages } from "./split-passages.js";

/**
 * No absolute score cut: BM25 scores scale with the size of the knowledge base (a perfect match in
 * a 2-entry base scores below a weak one in a 300-entry base), and on the labelled set (npm run
 * bench:knowledge) no cut rejected more no-answer questions without losing answers. A passage is
 * offered when it shares a word (or a near-typo of one) with the message and scores at least
 * this share of the best passage; the model is told to use the notes only when they answer.
 */
export const KNOWLEDGE_MIN_SCORE = 0;
export const KNOWLEDGE_MIN_SHARE_OF_BEST = 0.25;

export interface RetrieverOptions {
  /** Most passages offered per turn (the prompt budget may take fewer). */
  readonly maxPassages: number;
  readonly minScore: number;
  /** Passages scoring below this share of the best one are left out. */
  readonly minShareOfBest: number;
  /** Businesses whose index is kept in memory; the least recently used is dropped. */
  readonly cacheSize: number;
}

interface KnowledgeIndex {
  readonly stamp: string;
  readonly index: LexicalIndex;
  readonly figures: ReadonlySet<number>;
}

export const DEFAULT_RETRIEVER: RetrieverOptions = {
  maxPassages: 3,
  minScore: KNOWLEDGE_MIN_SCORE,
  minShareOfBest: KNOWLEDGE_MIN_SHARE_OF_BEST,
  cacheSize: 64,
};

/**
 * Finds the passages of one business's knowledge that best match a customer's text. The index
 * of a business is rebuilt only when its entries changed (count or newest update differ), and
 * each business has its own: passages of one business are never offered to another.
 */
export class KnowledgeRetriever {
  private readonly cache = new Map<string, KnowledgeIndex>();

  constructor(
    private readonly store: KnowledgeStore,
    private readonly options: RetrieverOptions = DEFAULT_RETRIEVER,
  ) {}

  /**
   * Whether the business has any knowledge, and the passages matching `query`, best first.
   * `known`: the business's stamp when the caller read it already (the worker's turn query does).
   */
  async retrieve(businessId: string, query: string, known?: KnowledgeStamp): Promise<{ hasKnowledge: boolean; passages: RankedPassage[] }> {
    const { index } = await this.indexOf(businessId, known);
    if (index.size === 0) return { hasKnowledge: false, passages: [] };
    const ranked = index.rank(query, this.options.maxPassages, this.options.minScore);
    const cut = (ranked[0]?.score ?? 0) * this.options.minShareOfBest;
    return { hasKnowledge: true, passages: ranked.filter((r) => r.score >= cut) };
  }

  /** Every price and time (figureValues) in the business's entries: a reply quoting one did not invent it. */
  async figures(businessId: string, known?: KnowledgeStamp): Promise<ReadonlySet<number>> {
    return (await this.indexOf(businessId, known)).figures;
  }

  private async indexOf(businessId: string, known?: KnowledgeStamp): Promise<KnowledgeIndex> {
    const { count, latestUpdate } = known ?? (await this.store.stamp(businessId));
    const stamp = `${count}:${latestUpdate?.getTime() ?? 0}`;
    const cached = this.cache.get(businessId);
    this.cache.delete(businessId);
    if (cached?.stamp === stamp) {
      this.cache.set(businessId, cached);
      return cached;
    }
    const entries = count === 0 ? [] : await this.store.entries(businessId);
    const built = {
      stamp,
      index: new LexicalIndex(entries.flatMap((e) => splitPassages(e))),
      figures: figureValues(entries.map((e) => `${e.title}\n${e.body}`).join("\n")),
    };
    this.cache.set(businessId, built);
    while (this.cache.size > this.options.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    return built;
  }
}
