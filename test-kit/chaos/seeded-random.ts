import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { mersenne } from "pure-rand/generator/mersenne";

/** Numbers in [0, 1) from a seed: the same seed gives the same sequence. */
export interface SeededRandom {
  (): number;
  /** An integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
}

/**
 * A seeded generator. A chaos run draws each concern (traffic, the fault schedule, platform faults,
 * database stalls) from a stream of its own, so that timing, which decides how many draws the
 * platform makes, does not shift the schedule of the others.
 */
export function seededRandom(seed: number, stream = 0): SeededRandom {
  // Mersenne Twister's own seeding spreads nearby seeds apart (xoroshiro's first draws barely differ).
  const rng = mersenne((seed ^ Math.imul(stream + 1, 0x9e3779b1)) | 0);
  const next = (() => uniformFloat64(rng)) as SeededRandom;
  next.int = (n) => Math.floor(next() * n);
  next.pick = (items) => items[next.int(items.length)]!;
  return next;
}
