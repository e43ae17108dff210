import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/** A seeded Fisher-Yates shuffle of 0..n-1. */
export function shuffledIndices(n: number, seed: number): number[] {
  const rng = xoroshiro128plus(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = uniformInt(rng, 0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/**
 * Stratified k-fold assignment: each row's fold, with defaulters and non-defaulters spread evenly.
 * Deterministic for a seed.
 */
export function stratifiedFolds(labels: ArrayLike<number>, k: number, seed: number): Int32Array {
  const fold = new Int32Array(labels.length);
  for (const cls of [0, 1]) {
    const members = shuffledIndices(labels.length, seed + cls * 7919).filter((i) => labels[i] === cls);
    members.forEach((row, position) => {
      fold[row] = position % k;
    });
  }
  return fold;
}

/** A stratified holdout: true for about `fraction` of the given rows (for early stopping). */
export function stratifiedHoldout(
  rows: readonly number[],
  labels: ArrayLike<number>,
  fraction: number,
  seed: number,
): Set<number> {
  const holdout = new Set<number>();
  for (const cls of [0, 1]) {
    const members = rows.filter((r) => labels[r] === cls);
    const order = shuffledIndices(members.length, seed + 104729 + cls);
    const take = Math.round(members.length * fraction);
    for (let i = 0; i < take; i++) holdout.add(members[order[i]!]!);
  }
  return holdout;
}
