import { shuffledIndices } from "./folds.ts";

/** The untouched test part and the development part (everything else), as row indices in row order. */
export interface UntouchedSplit {
  development: number[];
  test: number[];
}

/**
 * A stratified split: `fraction` of the defaulters and of the others, drawn by `seed`, go to the test
 * part. Made before anything is fitted or chosen, so no choice ever sees those rows.
 */
export function untouchedSplit(labels: ArrayLike<number>, fraction: number, seed: number): UntouchedSplit {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`test fraction must be in (0, 1), got ${fraction}`);
  const inTest = new Uint8Array(labels.length);
  for (const cls of [0, 1]) {
    const members = shuffledIndices(labels.length, seed + 7757 * (cls + 1)).filter((i) => labels[i] === cls);
    const take = Math.round(members.length * fraction);
    for (let k = 0; k < take; k++) inTest[members[k]!] = 1;
  }
  const development: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < labels.length; i++) (inTest[i] ? test : development).push(i);
  return { development, test };
}
