/**
 * `npm run bench:knowledge`: which retrieval answers customers' questions better on a small
 * labelled set (labelled-set.json): MiniSearch (BM25 + fuzzy + prefix) or node-llama-cpp
 * embeddings with cosine similarity. Embeddings use the tiny random-weight model unless
 * EMBEDDING_MODEL_PATH names a real GGUF embedding model. Writes bench/results/knowledge.json.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../src/config/index.js";
import { DEFAULT_RETRIEVER, KNOWLEDGE_MIN_SCORE } from "../../src/app/knowledge/knowledge-retriever.js";
import { LexicalIndex } from "../../src/app/knowledge/lexical-index.js";
import { splitPassages, type Passage } from "../../src/app/knowledge/split-passages.js";
import { ensureTinyModel } from "../../src/dev/tiny-model/build-tiny-model.js";
import type { KnowledgeEntryText } from "../../src/ports/knowledge-store.js";
import { formatTable } from "../support/table.js";
import { EmbeddingRanker } from "./embedding-ranker.js";
import { atThreshold, figures, type LabelledQuestion, type Scored } from "./metrics.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const set = JSON.parse(await readFile(path.join(here, "labelled-set.json"), "utf8")) as {
  businesses: Array<{ id: string; entries: KnowledgeEntryText[] }>;
  questions: LabelledQuestion[];
};
const config = loadConfig("cli");
const passages = new Map<string, Passage[]>(set.businesses.map((b) => [b.id, b.entries.flatMap((e) => splitPassages(e))]));
const ALL = 1000;

// (a) MiniSearch, as the worker uses it.
const lexicalIndexes = new Map([...passages].map(([id, p]) => [id, new LexicalIndex(p)]));
const lexical: Scored[] = set.questions.map((question) => {
  const started = performance.now();
  const ranked = lexicalIndexes.get(question.business)!.rank(question.q, ALL);
  return { question, ranked, ms: performance.now() - started };
});

// (b) node-llama-cpp embeddings.
const embeddingPath = process.env.EMBEDDING_MODEL_PATH || (await ensureTinyModel(config.model.cacheDir));
const tiny = !process.env.EMBEDDING_MODEL_PATH;
const ranker = await EmbeddingRanker.load(embeddingPath, config.model.threads);
const embedding: Scored[] = [];
let indexMs = 0;
try {
  const indexed = new Map<string, Awaited<ReturnType<EmbeddingRanker["index"]>>>();
  const started = performance.now();
  for (const [id, p] of passages) indexed.set(id, await ranker.index(p));
  indexMs = performance.now() - started;
  for (const question of set.questions) {
    const started = performance.now();
    const ranked = await ranker.rank(indexed.get(question.business)!, question.q);
    embedding.push({ question, ranked, ms: performance.now() - started });
  }
} finally {
  await ranker.close();
}

const results = {
  lexical: { ...figures(lexical), shipped: { ...DEFAULT_RETRIEVER, ...atThreshold(lexical.map(asShipped), KNOWLEDGE_MIN_SCORE) } },
  embedding: { ...figures(embedding), indexMsTotal: Math.round(indexMs) },
};
const answerable = set.questions.filter((q) => q.relevant.length > 0).length;
const rows: Array<Array<string | number>> = [
  ["method", "recall@1", "recall@3", "MRR", "threshold*", "no-answer rejected", "answerable kept", "ms/query mean", "ms/query p95"],
  ["minisearch 7.2 (BM25, fuzzy 0.2, prefix, title x2)", ...cells(results.lexical)],
  [`embeddings (${tiny ? "tiny random-weight model: no meaning" : path.basename(embeddingPath)})`, ...cells(results.embedding)],
  [
    `minisearch as shipped (no absolute cut)`,
    "",
    "",
    "",
    KNOWLEDGE_MIN_SCORE,
    results.lexical.shipped.noAnswerRejected,
    results.lexical.shipped.answeredKept,
    "",
    "",
  ],
];
process.stdout.write(
  `${set.questions.length} questions (${answerable} answerable, ${set.questions.length - answerable} with no answer), ${[...passages.values()].flat().length} passages in ${set.businesses.length} businesses\n\n`,
);
process.stdout.write(`${formatTable(rows)}\n`);
process.stdout.write("* threshold: the score cut with the best balanced accuracy on this set (in-sample, so optimistic).\n");

const out = {
  command: "npm run bench:knowledge",
  at: new Date().toISOString(),
  machine: { cpus: os.cpus().length, threads: config.model.threads, loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100) },
  set: { questions: set.questions.length, answerable, passages: [...passages.values()].flat().length },
  embeddingModel: tiny ? "tiny random-weight Llama (test model): its embeddings carry no meaning" : embeddingPath,
  ...results,
  misses: {
    lexical: lexical
      .filter((r) => r.question.relevant.length > 0 && !r.ranked.slice(0, 3).some((x) => r.question.relevant.includes(x.passage.entryId)))
      .map((r) => r.question.q),
  },
};
const file = path.resolve(here, "../results/knowledge.json");
await mkdir(path.dirname(file), { recursive: true });
await writeFile(file, `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);

/** What the worker offers: the top passages, those under a share of the best one left out. */
function asShipped(r: Scored): Scored {
  const top = r.ranked.slice(0, DEFAULT_RETRIEVER.maxPassages).filter((x) => x.score >= DEFAULT_RETRIEVER.minScore);
  const cut = (top[0]?.score ?? 0) * DEFAULT_RETRIEVER.minShareOfBest;
  return { ...r, ranked: top.filter((x) => x.score >= cut) };
}

function cells(f: ReturnType<typeof figures>): Array<string | number> {
  return [f.recallAt1, f.recallAt3, f.mrr, f.threshold, f.noAnswerRejected, f.answeredKept, f.msPerQueryMean, f.msPerQueryP95];
}
