// The challenger bundled with the Worker, or none. To bundle one: train it into model/challenger/
// (`credit-edge train --config model/config/challenger.config.json --out model/challenger`) and keep the two
// imports below; to bundle none, replace this file's body with `export const challengerArtifacts = null;`.
// README "A challenger in shadow" (how one is promoted, too).
// The card's serving fields by name (as in bundled-model.ts): the rest stays out of the bundle.
import {
  calibration,
  created_at,
  excluded_attributes,
  factor_importance,
  feature_schema_hash,
  features,
  hyperparameters,
  library,
  metrics,
  no_history,
  objective,
  onnx as onnx_,
  packed_history_features,
  policy,
  reason_codes,
  training_data,
  version,
} from "../../model/challenger/model.json";
import onnx from "../../model/challenger/model.onnx";

export const challengerArtifacts: { card: unknown; onnx: ArrayBuffer } | null = {
  card: {
    version,
    created_at,
    library,
    objective,
    training_data,
    features,
    feature_schema_hash,
    packed_history_features,
    excluded_attributes,
    calibration,
    no_history,
    policy,
    metrics,
    hyperparameters,
    reason_codes,
    factor_importance,
    onnx: onnx_,
  },
  onnx,
};
