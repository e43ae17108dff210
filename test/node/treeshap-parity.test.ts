import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OnnxNodeModel, readArtifacts } from "../../model/offline-scoring/load-scorer.ts";
import { exportOnnx } from "../../model/onnx/export-onnx.ts";
import { Booster, DMatrix } from "../../model/xgboost/booster.ts";
import { ensembleFromXGBoostJson } from "../../model/xgboost/ensemble-from-json.ts";
import { ModelExplainer } from "../../scoring/model-explainer.ts";
import { ONNX_IO, readOnnxModel } from "../../scoring/onnx-model.ts";
import { Scorer } from "../../scoring/scorer.ts";
import { predictMargin } from "../../scoring/tree-ensemble.ts";
import { TreeExplainer } from "../../scoring/treeshap.ts";
import { sampleClients } from "../support/sample-inputs.ts";

// The Worker's reasons come from scoring/treeshap.ts over the trees read back out of the ONNX graph. Here
// that exact path (booster -> ONNX -> readOnnxModel -> TreeExplainer) is checked against XGBoost's own
// pred_contribs on a booster trained in the test, missing values included.

const FEATURES = 12;
const TRAIN_ROWS = 3000;
const TEST_ROWS = 400;

/** mulberry32: a small seeded generator, so the data (not the expected values) is fixed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function dataset(rows: number, seed: number): { X: Float32Array; y: Float32Array } {
  const next = random(seed);
  const X = new Float32Array(rows * FEATURES);
  const y = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const x = Array.from({ length: FEATURES }, () => next() * 4 - 2);
    // Interactions and a feature that matters only through its missingness.
    const logit = 1.2 * x[0]! - 0.8 * x[1]! * x[2]! + (x[3]! > 0.5 ? 1 : -0.5) + 0.3 * x[4]! ** 2 - 1;
    y[r] = next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    x.forEach((v, f) => {
      X[r * FEATURES + f] = next() < (f === 5 ? 0.5 : 0.12) ? Number.NaN : v;
    });
    if (y[r] && Number.isNaN(X[r * FEATURES + 5]!)) y[r] = next() < 0.7 ? 1 : 0;
  }
  return { X, y };
}

const calibration = { method: "platt" as const, slope: 0.9, intercept: -0.15 };
let booster: Booster;
let test: DMatrix;
let testX: Float32Array;
let explainer: TreeExplainer;
let onnxBytes: Uint8Array;

beforeAll(() => {
  const train = dataset(TRAIN_ROWS, 7);
  const trainMatrix = new DMatrix(train.X, TRAIN_ROWS, FEATURES, train.y);
  booster = Booster.create({ objective: "binary:logistic", max_depth: 6, eta: 0.2, nthread: 1, seed: 1 }, [
    trainMatrix,
  ]);
  for (let i = 0; i < 60; i++) booster.updateOneIter(i, trainMatrix);
  trainMatrix.dispose();
  testX = dataset(TEST_ROWS, 11).X;
  test = new DMatrix(testX, TEST_ROWS, FEATURES);
  // The Worker's path: the ONNX graph it bundles, and the ensemble read back out of it.
  onnxBytes = exportOnnx(ensembleFromXGBoostJson(booster.toJson(), FEATURES), calibration, "treeshap-test");
  explainer = new TreeExplainer(readOnnxModel(onnxBytes).ensemble);
});

afterAll(() => {
  test?.dispose();
  booster?.dispose();
});

const row = (r: number) => testX.subarray(r * FEATURES, (r + 1) * FEATURES);

describe("TreeSHAP from the ONNX graph vs XGBoost's pred_contribs", () => {
  it("gives every feature's contribution and the base value within 1e-5", () => {
    const xgb = booster.predict(test, "contributions");
    expect(xgb.length).toBe(TEST_ROWS * (FEATURES + 1));
    let largest = 0;
    for (let r = 0; r < TEST_ROWS; r++) {
      const { contributions, expectedValue } = explainer.explain(row(r));
      const reference = xgb.subarray(r * (FEATURES + 1), (r + 1) * (FEATURES + 1));
      for (let f = 0; f < FEATURES; f++) {
        expect(Math.abs(contributions[f]! - reference[f]!)).toBeLessThanOrEqual(1e-5);
        largest = Math.max(largest, Math.abs(contributions[f]!));
      }
      expect(Math.abs(expectedValue - reference[FEATURES]!)).toBeLessThanOrEqual(1e-5);
    }
    // The comparison means something only if features do contribute.
    expect(largest).toBeGreaterThan(0.1);
  });

  it("sums, with the base value, to XGBoost's margin", () => {
    const margins = booster.predict(test, "margin");
    const ensemble = readOnnxModel(onnxBytes).ensemble;
    for (let r = 0; r < TEST_ROWS; r++) {
      const { contributions, expectedValue } = explainer.explain(row(r));
      const sum = contributions.reduce((s, c) => s + c, expectedValue);
      expect(Math.abs(sum - predictMargin(ensemble, row(r)))).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(sum - margins[r]!)).toBeLessThanOrEqual(1e-5);
    }
  });

  it("on the calibrated scale, sums to the logit of the ONNX graph's probability", async () => {
    const model = await OnnxNodeModel.load(onnxBytes);
    const probabilities = await model.probabilities(testX, TEST_ROWS);
    for (let r = 0; r < TEST_ROWS; r++) {
      const { contributions, expectedValue } = explainer.explain(row(r));
      const logit =
        calibration.slope * contributions.reduce((s, c) => s + c, expectedValue) + calibration.intercept;
      const p = probabilities[r]!;
      expect(Math.abs(logit - Math.log(p / (1 - p)))).toBeLessThanOrEqual(1e-5);
    }
  });
});

describe("the published model's reasons", () => {
  it("add up, with the base value, to the served calibrated logit on sample clients with and without history", async () => {
    const { card, onnx } = readArtifacts();
    const explainer = new ModelExplainer(readOnnxModel(onnx));
    const scorer = new Scorer(card, await OnnxNodeModel.load(onnx), explainer);
    const recorded = await sampleClients(card.packed_history_features, 100);
    const clients = [...recorded, ...recorded.map((c) => ({ ...c, history: null }))];
    const inputs = scorer.inputs(clients);
    const session = await import("onnxruntime-node");
    const ort = await session.InferenceSession.create(onnx);
    const out = await ort.run({
      [ONNX_IO.input]: new session.Tensor("float32", inputs, [clients.length, scorer.width]),
    });
    const margins = out[ONNX_IO.margin]!.data as Float32Array;
    let withoutHistory = 0;
    clients.forEach((_, r) => {
      const row = inputs.subarray(r * scorer.width, (r + 1) * scorer.width);
      const { contributions, baseValue } = scorer.explain(row);
      const sum = contributions.reduce((s, c) => s + c, baseValue);
      // The graph's margin output is the margin of the ensemble that scored the row.
      const noHistory = explainer.scoresWithoutHistory(row);
      if (noHistory) withoutHistory++;
      const calibration = noHistory && card.no_history ? card.no_history.calibration : card.calibration;
      const served = calibration.slope * margins[r]! + calibration.intercept;
      expect(Math.abs(sum - served)).toBeLessThanOrEqual(1e-5);
    });
    // Every blanked copy goes to the no-history ensemble when the model has one.
    expect(withoutHistory).toBeGreaterThanOrEqual(card.no_history ? recorded.length : 0);
  });
});
