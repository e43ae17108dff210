import { beforeAll, describe, expect, it } from "vitest";
import { loadServingModel, OnnxNodeModel, readArtifacts } from "../../model/offline-scoring/load-scorer.ts";
import { exportOnnx } from "../../model/onnx/export-onnx.ts";
import { splitEnsembleGraphs } from "../../scoring/ensemble-graphs.ts";
import { HISTORY_SOURCES_FEATURE } from "../../scoring/history-routing.ts";
import { RoutedModel } from "../../scoring/routed-model.ts";
import { Scorer } from "../../scoring/scorer.ts";
import type { TreeEnsemble } from "../../scoring/tree-ensemble.ts";
import { sampleClients } from "../support/sample-inputs.ts";

// The serving runtimes route each row to one ensemble in JS and run that ensemble's graph alone; the full
// graph (the model of record) runs both and picks with Where. They must give the very same probabilities.

describe("routing rows between the ensembles' own graphs", () => {
  const { card, onnx } = readArtifacts();
  let full: OnnxNodeModel;
  let routed: Awaited<ReturnType<typeof loadServingModel>>;
  let inputs: Float32Array;
  let rows = 0;
  let withHistory: boolean[] = [];

  beforeAll(async () => {
    full = await OnnxNodeModel.load(onnx);
    routed = await loadServingModel(onnx);
    const clients = await sampleClients(card.packed_history_features);
    // Known clients, the same clients as new applicants (no history), and known clients without a source.
    const items = [...clients.slice(0, 150), ...clients.slice(0, 50).map((c) => ({ ...c, history: null }))];
    const scorer = new Scorer(card, full);
    inputs = scorer.inputs(items);
    rows = items.length;
    const at = card.features.findIndex((f) => f.name === HISTORY_SOURCES_FEATURE);
    withHistory = Array.from({ length: rows }, (_, r) => inputs[r * scorer.width + at]! > 0);
  }, 300_000);

  it("splits the committed graph into its two ensembles", () => {
    expect(routed).toBeInstanceOf(RoutedModel);
    const graphs = splitEnsembleGraphs(onnx)!;
    expect(card.features[graphs.routingInput]!.name).toBe(HISTORY_SOURCES_FEATURE);
    // Each part holds one ensemble: together about the full graph's size, each well under it.
    for (const part of [graphs.main, graphs.noHistory]) expect(part.length).toBeLessThan(onnx.length * 0.6);
  });

  it("gives the full graph's probabilities for mixed, all-history and no-history batches and single rows", async () => {
    expect(withHistory.filter(Boolean).length).toBeGreaterThan(50);
    expect(withHistory.filter((h) => !h).length).toBeGreaterThan(50);
    const expected = await full.probabilities(inputs, rows);
    expect(Array.from(await routed.probabilities(inputs, rows))).toEqual(Array.from(expected));

    const width = inputs.length / rows;
    const only = (history: boolean) => {
      const picked = withHistory.flatMap((h, r) => (h === history ? [r] : []));
      const out = new Float32Array(picked.length * width);
      picked.forEach((r, k) => {
        out.set(inputs.subarray(r * width, (r + 1) * width), k * width);
      });
      return { picked, out };
    };
    for (const history of [true, false]) {
      const { picked, out } = only(history);
      const got = await routed.probabilities(out, picked.length);
      expect(Array.from(got)).toEqual(picked.map((r) => expected[r]!));
    }
    for (const r of [0, 1, rows - 1]) {
      const got = await routed.probabilities(inputs.slice(r * width, (r + 1) * width), 1);
      expect(got[0]).toBe(expected[r]);
    }
  });

  it("runs a graph with one ensemble as it is", () => {
    const stump: TreeEnsemble = {
      trees: [
        {
          feature: Int32Array.from([0, -1, -1]),
          threshold: Float32Array.from([0.5, 0, 0]),
          yes: Int32Array.from([1, -1, -1]),
          no: Int32Array.from([2, -1, -1]),
          missingYes: Uint8Array.from([1, 0, 0]),
          value: Float64Array.from([0, -1, 1]),
          cover: Float64Array.from([2, 1, 1]),
          maxDepth: 1,
        },
      ],
      baseMargin: 0,
      featureCount: 2,
    };
    const single = exportOnnx(stump, { method: "platt", slope: 1, intercept: 0 }, "one-ensemble");
    expect(splitEnsembleGraphs(single)).toBeNull();
  });
});
