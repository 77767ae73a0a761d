import { getLlama, LlamaLogLevel, type Llama, type LlamaEmbedding, type LlamaEmbeddingContext, type LlamaModel } from "node-llama-cpp";
import type { Passage } from "../../src/app/knowledge/split-passages.js";

export interface EmbeddingHit {
  readonly passage: Passage;
  readonly score: number;
}

/** node-llama-cpp embeddings of each passage, ranked by cosine similarity to the query's embedding. */
export class EmbeddingRanker {
  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaEmbeddingContext,
  ) {}

  static async load(modelPath: string, threads: number): Promise<EmbeddingRanker> {
    const llama = await getLlama({ gpu: false, build: "never", maxThreads: threads, logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath });
    const context = await model.createEmbeddingContext({ contextSize: 1024, threads });
    return new EmbeddingRanker(llama, model, context);
  }

  embed(text: string): Promise<LlamaEmbedding> {
    return this.context.getEmbeddingFor(text);
  }

  async index(passages: readonly Passage[]): Promise<Array<{ passage: Passage; embedding: LlamaEmbedding }>> {
    const out = [];
    for (const passage of passages) out.push({ passage, embedding: await this.embed(`${passage.title}\n${passage.text}`) });
    return out;
  }

  async rank(indexed: ReadonlyArray<{ passage: Passage; embedding: LlamaEmbedding }>, query: string): Promise<EmbeddingHit[]> {
    const q = await this.embed(query);
    return indexed.map((i) => ({ passage: i.passage, score: q.calculateCosineSimilarity(i.embedding) })).sort((a, b) => b.score - a.score);
  }

  async close(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }
}
