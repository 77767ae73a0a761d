import type { Passage } from "../../src/app/knowledge/split-passages.js";

export interface LabelledQuestion {
  readonly business: string;
  readonly q: string;
  /** Entry ids that answer it; empty: nothing in the knowledge base does. */
  readonly relevant: readonly string[];
  /** For a document: words the answering passage contains. */
  readonly contains?: string;
}

export interface Ranked {
  readonly passage: Passage;
  readonly score: number;
}

/** A passage answers when it comes from a labelled entry (and, for a document, holds the labelled words). */
export function answers(question: LabelledQuestion, passage: Passage): boolean {
  if (!question.relevant.includes(passage.entryId)) return false;
  return passage.kind === "faq" || !question.contains || passage.text.toLowerCase().includes(question.contains.toLowerCase());
}

export interface Scored {
  readonly question: LabelledQuestion;
  /** Best first, no threshold applied. */
  readonly ranked: readonly Ranked[];
  readonly ms: number;
}

export interface Figures {
  readonly recallAt1: number;
  readonly recallAt3: number;
  readonly mrr: number;
  /** Best score threshold found on this set (in-sample), and what it does. */
  readonly threshold: number;
  /** No-answer questions for which nothing reaches the threshold. */
  readonly noAnswerRejected: number;
  /** Answerable questions whose answering passage is in the top 3 and reaches the threshold. */
  readonly answeredKept: number;
  readonly msPerQueryMean: number;
  readonly msPerQueryP95: number;
}

export function figures(results: readonly Scored[]): Figures {
  const answerable = results.filter((r) => r.question.relevant.length > 0);
  const noAnswer = results.filter((r) => r.question.relevant.length === 0);
  const firstHit = (r: Scored) => r.ranked.findIndex((x) => answers(r.question, x.passage));
  const share = (n: number, of: number) => (of === 0 ? Number.NaN : round(n / of));
  const at = (k: number) =>
    share(
      answerable.filter((r) => {
        const i = firstHit(r);
        return i >= 0 && i < k;
      }).length,
      answerable.length,
    );
  const mrr = round(
    answerable.reduce((sum, r) => {
      const i = firstHit(r);
      return sum + (i >= 0 ? 1 / (i + 1) : 0);
    }, 0) / answerable.length,
  );
  // Candidate thresholds: every score seen; pick the one with the best balanced accuracy.
  const candidates = [...new Set(results.flatMap((r) => r.ranked.slice(0, 3).map((x) => x.score)))].sort((a, b) => a - b);
  let best = { threshold: 0, rejected: 0, kept: 0, balanced: -1 };
  for (const t of candidates) {
    const rejected = noAnswer.filter((r) => (r.ranked[0]?.score ?? -Infinity) < t).length / Math.max(1, noAnswer.length);
    const kept =
      answerable.filter((r) => r.ranked.slice(0, 3).some((x) => x.score >= t && answers(r.question, x.passage))).length / answerable.length;
    if ((rejected + kept) / 2 > best.balanced) best = { threshold: t, rejected, kept, balanced: (rejected + kept) / 2 };
  }
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  return {
    recallAt1: at(1),
    recallAt3: at(3),
    mrr,
    threshold: round(best.threshold),
    noAnswerRejected: round(best.rejected),
    answeredKept: round(best.kept),
    msPerQueryMean: round(ms.reduce((a, b) => a + b, 0) / ms.length),
    msPerQueryP95: round(ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.95))]!),
  };
}

/** No-answer rejection and kept share at a fixed threshold (the one the code ships with). */
export function atThreshold(results: readonly Scored[], threshold: number): { noAnswerRejected: number; answeredKept: number } {
  const answerable = results.filter((r) => r.question.relevant.length > 0);
  const noAnswer = results.filter((r) => r.question.relevant.length === 0);
  return {
    noAnswerRejected: round(noAnswer.filter((r) => (r.ranked[0]?.score ?? -Infinity) < threshold).length / Math.max(1, noAnswer.length)),
    answeredKept: round(
      answerable.filter((r) => r.ranked.slice(0, 3).some((x) => x.score >= threshold && answers(r.question, x.passage))).length / answerable.length,
    ),
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
