import { hasHistory } from "./history-routing.ts";
import type { CalibratedEnsemble, OnnxTrees } from "./onnx-model.ts";
import { TreeExplainer } from "./treeshap.ts";

interface CalibratedExplainer {
  explainer: TreeExplainer;
  slope: number;
  intercept: number;
}

function calibrated({ ensemble, calibration }: CalibratedEnsemble): CalibratedExplainer {
  return {
    explainer: new TreeExplainer(ensemble),
    slope: calibration.slope,
    intercept: calibration.intercept,
  };
}

/**
 * TreeSHAP over the serving graph, on its calibrated logit scale: each row is explained by the ensemble
 * the graph scores it with (by the rule of history-routing.ts, read from the same graph), so contributions
 * plus the base value add up to the logit of the served probability.
 */
export class ModelExplainer {
  private readonly main: CalibratedExplainer;
  private readonly noHistory?: CalibratedExplainer & { routingInput: number };

  constructor(trees: OnnxTrees) {
    this.main = calibrated(trees);
    if (trees.noHistory)
      this.noHistory = { ...calibrated(trees.noHistory), routingInput: trees.noHistory.routingInput };
  }

  /** Each ensemble's base value on the calibrated logit scale: where contributions start from. */
  baseValues(): number[] {
    return [this.main, ...(this.noHistory ? [this.noHistory] : [])].map(
      (e) => e.slope * e.explainer.expectedValue + e.intercept,
    );
  }

  /** Whether the graph scores this row with its no-history ensemble. */
  scoresWithoutHistory(row: ArrayLike<number>): boolean {
    return this.noHistory !== undefined && !hasHistory(row, this.noHistory.routingInput);
  }

  explain(row: Float32Array): { contributions: Float64Array; baseValue: number } {
    const used = this.noHistory && this.scoresWithoutHistory(row) ? this.noHistory : this.main;
    const { contributions, expectedValue } = used.explainer.explain(row);
    for (let i = 0; i < contributions.length; i++) contributions[i]! *= used.slope;
    return { contributions, baseValue: used.slope * expectedValue + used.intercept };
  }
}
