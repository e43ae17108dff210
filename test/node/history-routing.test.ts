import { beforeAll, describe, expect, it } from "vitest";
import { OnnxNodeModel, readArtifacts } from "../../model/offline-scoring/load-scorer.ts";
import { exportOnnx } from "../../model/onnx/export-onnx.ts";
import type { TrainingSet } from "../../model/training/dataset.ts";
import { routedToMain } from "../../model/training/out-of-fold.ts";
import { HISTORY_SOURCES_FEATURE, hasHistory, routingInput } from "../../scoring/history-routing.ts";
import { ModelExplainer } from "../../scoring/model-explainer.ts";
import { ONNX_IO, readOnnxModel } from "../../scoring/onnx-model.ts";
import { Scorer } from "../../scoring/scorer.ts";
import type { TreeEnsemble } from "../../scoring/tree-ensemble.ts";
import { sampleClients } from "../support/sample-inputs.ts";

// One definition of "no history" (hist_sources > 0, false when missing), applied alike by training, the
// ONNX graph and TreeSHAP. Before it, the graph sent a known client with hist_sources = 0 to the main
// ensemble because that input was present.

/** An ensemble of one stump on input 0 whose leaves are `low` and `high`: tells the two ensembles apart. */
function stumps(low: number, high: number, featureCount: number): TreeEnsemble {
  return {
    trees: [
      {
        feature: Int32Array.from([0, -1, -1]),
        threshold: Float32Array.from([0.5, 0, 0]),
        yes: Int32Array.from([1, -1, -1]),
        no: Int32Array.from([2, -1, -1]),
        missingYes: Uint8Array.from([1, 0, 0]),
        value: Float64Array.from([0, low, high]),
        cover: Float64Array.from([2, 1, 1]),
        maxDepth: 1,
      },
    ],
    baseMargin: 0,
    featureCount,
  };
}

const WIDTH = 4;
const ROUTING = 2; // hist_sources
const calibration = { method: "platt" as const, slope: 1, intercept: 0 };
// [input 0, another history input, hist_sources, application input]
const rows: number[][] = [
  [1, 5, 3, 0], // history: main
  [1, 5, 1, 0], // history: main
  [1, Number.NaN, 0, 0], // a known client without any record: no-history ensemble
  [1, 5, 0, 0], // a history input present, but no source: no-history ensemble (the old rule said main)
  [1, Number.NaN, Number.NaN, 0], // an unknown applicant: no-history ensemble
];
const expected = [true, true, false, false, false];

describe("history routing", () => {
  const onnx = exportOnnx(stumps(-1, 1, WIDTH), calibration, "routing-test", {
    ensemble: stumps(-3, 3, WIDTH),
    calibration,
    routingInput: ROUTING,
  });

  it("finds the routing input by name", () => {
    expect(routingInput(["a", "b", HISTORY_SOURCES_FEATURE])).toBe(2);
    expect(() => routingInput(["a"])).toThrow(/hist_sources/);
  });

  it("is the same rule in the ONNX graph, TreeSHAP and training", async () => {
    expect(rows.map((r) => hasHistory(r, ROUTING))).toEqual(expected);
    const ort = await import("onnxruntime-node");
    const session = await ort.InferenceSession.create(onnx);
    const out = await session.run({
      [ONNX_IO.input]: new ort.Tensor("float32", Float32Array.from(rows.flat()), [rows.length, WIDTH]),
    });
    const margins = Array.from(out[ONNX_IO.margin]!.data as Float32Array);
    expect(margins).toEqual(expected.map((main) => (main ? 1 : 3)));

    const explainer = new ModelExplainer(readOnnxModel(onnx));
    expect(rows.map((r) => !explainer.scoresWithoutHistory(Float32Array.from(r)))).toEqual(expected);

    const set = {
      features: [{ name: "x" }, { name: "h" }, { name: HISTORY_SOURCES_FEATURE }, { name: "a" }],
      X: Float32Array.from(rows.flat()),
      rows: rows.length,
    } as unknown as TrainingSet;
    expect(Array.from(routedToMain(set, [0, 1, 2, 3, 4]), Boolean)).toEqual(expected);
  });
});

describe("the committed model", () => {
  const { card, onnx } = readArtifacts();
  let zeroHistory: Awaited<ReturnType<typeof sampleClients>>;

  beforeAll(async () => {
    const clients = await sampleClients(card.packed_history_features);
    const at = card.packed_history_features.indexOf(HISTORY_SOURCES_FEATURE);
    zeroHistory = clients.filter((c) => c.history && c.history[at] === 0);
  }, 300_000);

  it("scores known clients without any history source with the no-history ensemble", async () => {
    expect(zeroHistory.length).toBeGreaterThan(20);
    const model = await OnnxNodeModel.load(onnx);
    const scorer = new Scorer(card, model, new ModelExplainer(readOnnxModel(onnx)));
    const recorded = await scorer.score(zeroHistory, { reasons: false });
    const asNew = await scorer.score(
      zeroHistory.map((c) => ({ ...c, history: null })),
      { reasons: false },
    );
    // The no-history ensemble reads no history input: as recorded and as a new applicant, the same score.
    expect(recorded.map((s) => s.probability)).toEqual(asNew.map((s) => s.probability));
    const inputs = scorer.inputs(zeroHistory);
    const explainer = new ModelExplainer(readOnnxModel(onnx));
    for (let r = 0; r < zeroHistory.length; r++)
      expect(explainer.scoresWithoutHistory(inputs.subarray(r * scorer.width, (r + 1) * scorer.width))).toBe(
        true,
      );
  });
});
