// The card's serving fields by name: the bundler then leaves its other keys (the validator's sections, the
// monitoring baseline, the untouched part's ids) out of the Worker, which never reads them.
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
} from "../../model/artifacts/model.json";
import onnx from "../../model/artifacts/model.onnx";
import { splitEnsembleGraphs } from "../../scoring/ensemble-graphs.ts";
import type { ModelCard } from "../../scoring/model-card.ts";
import { ModelExplainer } from "../../scoring/model-explainer.ts";
import { readOnnxModel } from "../../scoring/onnx-model.ts";
import { loadRoutedModel } from "../../scoring/routed-model.ts";
import { Scorer } from "../../scoring/scorer.ts";
import { sharedInit } from "./shared-init.ts";

/** The model card bundled with the Worker (model/artifacts/model.json): its serving fields, as training wrote them. */
export const bundledCard = {
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
} as unknown as ModelCard;

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The Scorer over the bundled artifacts: the ONNX graph in onnxruntime-web for probabilities, TreeSHAP over
 * the same graph's trees for reasons. Refuses a card and graph that were not published together.
 */
export function createBundledScorer(): Promise<Scorer> {
  return createScorerFrom(bundledCard, onnx);
}

/** A Scorer over one model's card and ONNX bytes (the champion's, or a challenger's). */
export async function createScorerFrom(
  card: ModelCard,
  onnx: ArrayBuffer,
  options: { explain?: boolean } = {},
): Promise<Scorer> {
  const started = Date.now();
  const bytes = new Uint8Array(onnx);
  if ((await sha256Hex(bytes)) !== card.onnx.sha256)
    throw new Error(`the bundled ${card.onnx.file} is not the one the model card ${card.version} describes`);
  // Imported on first use: ORT and its 14 MB wasm stay out of requests (and tests) that never score.
  const { OrtWebModel } = await import("./ort-web-model.ts");
  const imported = Date.now();
  // One ORT session per ensemble, each row run only through the one that scores it (scoring/routed-model.ts).
  const model = loadRoutedModel(bytes, OrtWebModel.load, splitEnsembleGraphs(bytes));
  // The trees for TreeSHAP are read while ORT's initialisation waits on its own promises.
  const explainer = options.explain === false ? undefined : new ModelExplainer(readOnnxModel(bytes));
  const explained = Date.now();
  const scorer = new Scorer(card, await model, explainer);
  const done = Date.now();
  console.log(
    JSON.stringify({
      level: "info",
      msg: "model loaded",
      model_version: card.version,
      duration_ms: done - started,
      import_ms: imported - started,
      explainer_ms: explained - imported,
      ort_wait_ms: done - explained,
    }),
  );
  return scorer;
}

/** The isolate's Scorer, built once; a failed build is retried by a request at least 5 s later. */
export const bundledScorer = sharedInit(createBundledScorer, { retryAfterMs: 5_000 });
