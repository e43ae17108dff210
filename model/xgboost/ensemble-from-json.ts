import { computeMaxDepth, type Tree, type TreeEnsemble } from "../../scoring/tree-ensemble.ts";

/** One tree of XGBoost's JSON model (the fields this project reads; the age rule also writes leaves). */
export interface XGBoostJsonTree {
  left_children: number[];
  right_children: number[];
  split_indices: number[];
  split_conditions: number[];
  default_left: (number | boolean)[];
  sum_hessian: number[];
  split_type?: number[];
}

/** base_score is a probability printed as "5E-1" (1.7, 2.x) or "[5E-1]" (3.x). */
function parseBaseScore(raw: unknown): number {
  const text = String(raw).replace(/^\[|\]$/g, "");
  const value = Number(text);
  if (!(value > 0 && value < 1)) throw new Error(`unexpected XGBoost base_score ${String(raw)}`);
  return value;
}

/**
 * XGBoost's JSON model as a flat tree ensemble. Thresholds and leaf values are XGBoost's float32 numbers
 * (printed shortest-round-trip, so Math.fround recovers them exactly); leaves keep their value in
 * split_conditions, as XGBoost's own loader reads them.
 */
export function ensembleFromXGBoostJson(json: string, featureCount: number): TreeEnsemble {
  const model = JSON.parse(json);
  const learner = model.learner;
  if (learner.objective.name !== "binary:logistic") {
    throw new Error(`only binary:logistic models export; got ${learner.objective.name}`);
  }
  const baseScore = parseBaseScore(learner.learner_model_param.base_score);
  const trees: Tree[] = (learner.gradient_booster.model.trees as XGBoostJsonTree[]).map((t, index) => {
    const n = t.left_children.length;
    const feature = new Int32Array(n);
    const threshold = new Float32Array(n);
    const yes = new Int32Array(n);
    const no = new Int32Array(n);
    const missingYes = new Uint8Array(n);
    const value = new Float64Array(n);
    const cover = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (t.split_type?.[i])
        throw new Error(`tree ${index} has a categorical split, which ONNX trees cannot express`);
      const leaf = t.left_children[i] === -1;
      feature[i] = leaf ? -1 : t.split_indices[i]!;
      threshold[i] = leaf ? 0 : Math.fround(t.split_conditions[i]!);
      yes[i] = leaf ? -1 : t.left_children[i]!;
      no[i] = leaf ? -1 : t.right_children[i]!;
      missingYes[i] = leaf ? 0 : Number(t.default_left[i]);
      value[i] = leaf ? Math.fround(t.split_conditions[i]!) : 0;
      // float32 like every stored number (and as the ONNX graph keeps covers): TreeSHAP and the age rule
      // must read the same covers whichever form they start from.
      cover[i] = Math.fround(t.sum_hessian[i]!);
      if (!leaf && feature[i]! >= featureCount)
        throw new Error(`tree ${index} splits on feature ${feature[i]}`);
    }
    return {
      feature,
      threshold,
      yes,
      no,
      missingYes,
      value,
      cover,
      maxDepth: computeMaxDepth(yes, no, feature),
    };
  });
  return { trees, baseMargin: Math.log(baseScore / (1 - baseScore)), featureCount };
}
