import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ortWeb from "onnxruntime-web";
import { beforeAll, describe, expect, it } from "vitest";
import { OnnxNodeModel, readArtifacts } from "../../model/offline-scoring/load-scorer.ts";
import { ARTIFACTS_DIR, BOOSTER_FILE } from "../../model/publish/write-artifacts.ts";
import { applyPlatt } from "../../model/training/calibration.ts";
import { Booster, DMatrix } from "../../model/xgboost/booster.ts";
import { hasHistory, routingInput } from "../../scoring/history-routing.ts";
import type { Calibration } from "../../scoring/model-card.ts";
import { ONNX_IO } from "../../scoring/onnx-model.ts";
import { type ProbabilityModel, Scorer } from "../../scoring/scorer.ts";
import { loadRegistry } from "../../warehouse/feature-registry.ts";
import { sampleClients } from "../support/sample-inputs.ts";
import { openSampleWarehouse } from "../support/sample-warehouse.ts";

// The committed model, evaluated three ways on every sample row and on every row again with its history
// blanked: XGBoost's own booster (the reference), onnxruntime-node (offline scoring) and onnxruntime-web's
// WASM backend (what the Worker runs).

const { card, onnx } = readArtifacts();
let inputs: Float32Array;
let rows: number;

/** onnxruntime-web's WASM build, in Node. */
class OnnxWebModel implements ProbabilityModel {
  constructor(private readonly session: ortWeb.InferenceSession) {}
  async probabilities(x: Float32Array, n: number): Promise<Float32Array> {
    const out = await this.session.run({
      [ONNX_IO.input]: new ortWeb.Tensor("float32", x, [n, x.length / n]),
    });
    return out[ONNX_IO.probability]!.data as Float32Array;
  }
}

beforeAll(async () => {
  const clients = await sampleClients(card.packed_history_features);
  const scorer = new Scorer(card, { probabilities: () => Promise.reject(new Error("unused")) });
  const plain = scorer.inputs(clients);
  const masked = scorer.inputs(clients.map((c) => ({ ...c, history: null })));
  rows = clients.length * 2;
  inputs = new Float32Array(plain.length + masked.length);
  inputs.set(plain);
  inputs.set(masked, plain.length);
}, 300_000);

function nativeProbabilities(file: string, calibration: Calibration): Float64Array {
  const booster = Booster.fromJson(readFileSync(join(ARTIFACTS_DIR, file), "utf8"));
  const matrix = new DMatrix(inputs, rows, card.features.length);
  try {
    return Float64Array.from(booster.predict(matrix, "margin"), (m) => applyPlatt(calibration, m));
  } finally {
    matrix.dispose();
    booster.dispose();
  }
}

/** The reference: XGBoost's boosters, each row scored by the one the graph should pick for it. */
function native(): Float64Array {
  const main = nativeProbabilities(BOOSTER_FILE, card.calibration);
  if (!card.no_history) return main;
  const noHistory = nativeProbabilities(card.no_history.booster_file, card.no_history.calibration);
  const column = routingInput(card.features.map((f) => f.name));
  const width = card.features.length;
  return main.map((p, r) =>
    hasHistory(inputs.subarray(r * width, (r + 1) * width), column) ? p : noHistory[r]!,
  );
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe("the committed model", () => {
  it("was trained on the feature set the warehouse SQL builds today", async () => {
    const warehouse = await openSampleWarehouse();
    try {
      expect((await loadRegistry(warehouse)).schemaHash).toBe(card.feature_schema_hash);
    } finally {
      await warehouse.close();
    }
  });

  it("covers 10,000 clients as recorded and again with no history", () => {
    expect(rows).toBe(20_000);
  });

  it("in onnxruntime-node equals XGBoost within 1e-6", async () => {
    const model = await OnnxNodeModel.load(onnx);
    expect(maxDifference(await model.probabilities(inputs, rows), native())).toBeLessThanOrEqual(1e-6);
  });

  it("in onnxruntime-web (WASM) equals XGBoost within 1e-6", async () => {
    ortWeb.env.wasm.numThreads = 1;
    const session = await ortWeb.InferenceSession.create(onnx, { executionProviders: ["wasm"] });
    const model = new OnnxWebModel(session);
    expect(maxDifference(await model.probabilities(inputs, rows), native())).toBeLessThanOrEqual(1e-6);
  });
});
