import { inputVectorFromBytes } from "../decisions/record/input-vector.ts";
import type { TrainingBaseline } from "./baseline.ts";
import { binOf } from "./baseline.ts";
import { psi, type ShiftFlag, shares, shiftFlag } from "./psi.ts";

export interface FeatureDrift {
  name: string;
  psi: number;
  flag: ShiftFlag;
  /** Live shares per bin (value bins, then missing) beside the baseline's, for the page. */
  actual: number[];
  expected: number[];
}

export interface DriftResult {
  decisions: number;
  score_psi: number;
  score_flag: ShiftFlag;
  score_bins: { edges: number[]; expected: number[]; actual: number[] };
  features: FeatureDrift[];
}

/**
 * Counts live decisions into the baseline's bins as they stream by (memory: the bins only), then turns
 * them into PSI of the score and CSI of every input. Vectors arrive as bytes (input-vector.ts layout).
 */
export class DriftAccumulator {
  private readonly edges: Float64Array[];
  private readonly offsets: Int32Array;
  private readonly counts: Float64Array;
  private readonly scoreCounts: Float64Array;
  private readonly scoreEdges: Float64Array;
  private rows = 0;

  constructor(private readonly baseline: TrainingBaseline) {
    this.edges = baseline.inputs.map((i) => Float64Array.from(i.edges));
    // Per input: its value bins then its missing bin, laid end to end.
    this.offsets = new Int32Array(baseline.inputs.length + 1);
    baseline.inputs.forEach((input, j) => {
      this.offsets[j + 1] = this.offsets[j]! + input.edges.length + 2;
    });
    this.counts = new Float64Array(this.offsets[baseline.inputs.length]!);
    this.scoreEdges = Float64Array.from(baseline.score.edges);
    this.scoreCounts = new Float64Array(baseline.score.edges.length + 1);
  }

  get width(): number {
    return this.baseline.inputs.length;
  }

  add(probability: number, vectorBytes: Uint8Array): void {
    const row = inputVectorFromBytes(vectorBytes, this.width);
    this.scoreCounts[binOf(this.scoreEdges, probability)]!++;
    for (let j = 0; j < row.length; j++) {
      const v = row[j]!;
      const edges = this.edges[j]!;
      const bin = Number.isNaN(v) ? edges.length + 1 : binOf(edges, v);
      this.counts[this.offsets[j]! + bin]!++;
    }
    this.rows++;
  }

  result(): DriftResult {
    const expectedScore = this.baseline.score.proportions;
    const actualScore = shares(this.scoreCounts);
    const scorePsi = this.rows ? psi(expectedScore, actualScore) : 0;
    const features = this.baseline.inputs.map((input, j) => {
      const expected = [...input.proportions, input.missing];
      const actual = shares(this.counts.subarray(this.offsets[j]!, this.offsets[j + 1]!));
      const value = this.rows ? psi(expected, actual) : 0;
      return { name: input.name, psi: value, flag: shiftFlag(value), actual, expected };
    });
    return {
      decisions: this.rows,
      score_psi: scorePsi,
      score_flag: shiftFlag(scorePsi),
      score_bins: { edges: this.baseline.score.edges, expected: expectedScore, actual: actualScore },
      features,
    };
  }
}
