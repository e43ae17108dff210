import type { Scorer, ScoringInput } from "../../scoring/scorer.ts";

export interface Percentiles {
  p50: number;
  p99: number;
  mean: number;
}

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { p50: at(0.5), p99: at(0.99), mean: samples.reduce((s, x) => s + x, 0) / samples.length };
}

/**
 * Milliseconds per single-client scoring call inside the isolate (features, ONNX run, and with `reasons`
 * TreeSHAP + top reasons), without D1 or HTTP. workerd's clock ticks in whole milliseconds, so one sample
 * is one pass over all `inputs` (e.g. 100 clients) divided by their count; percentiles are over passes.
 */
export async function timeScoring(
  scorer: Scorer,
  inputs: readonly ScoringInput[],
  rounds: number,
  reasons: boolean,
  /** One call with every input per pass (a batch request's path) instead of one call per input. */
  batched = false,
): Promise<Percentiles & { samples: number; calls: number }> {
  await scorer.score(batched ? inputs : [inputs[0]!], { reasons }); // warm
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    if (batched) await scorer.score(inputs, { reasons });
    else for (const input of inputs) await scorer.score([input], { reasons });
    samples.push((performance.now() - started) / inputs.length);
  }
  return { ...percentiles(samples), samples: samples.length, calls: rounds * (batched ? 1 : inputs.length) };
}
