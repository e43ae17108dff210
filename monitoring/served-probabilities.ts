import { hasHistory } from "../scoring/history-routing.ts";
import type { CalibratedEnsemble, OnnxTrees } from "../scoring/onnx-model.ts";
import { predictMargin } from "../scoring/tree-ensemble.ts";

const probability = ({ ensemble, calibration }: CalibratedEnsemble, row: Float32Array) =>
  1 / (1 + Math.exp(-(calibration.slope * predictMargin(ensemble, row) + calibration.intercept)));

/**
 * The calibrated probability the serving graph gives each row (rows x width, row-major): the no-history
 * ensemble for rows with no history source, the main one otherwise, as the graph routes (one rule).
 */
export function servedProbabilities(trees: OnnxTrees, X: Float32Array, rows: number): Float64Array {
  const width = trees.ensemble.featureCount;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = X.subarray(r * width, (r + 1) * width);
    const noHistory = trees.noHistory;
    out[r] = probability(noHistory && !hasHistory(row, noHistory.routingInput) ? noHistory : trees, row);
  }
  return out;
}
