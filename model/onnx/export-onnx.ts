// onnx-proto is CommonJS (module.exports = { onnx }): default import, types from its namespace.
import onnxProto, { type onnx as proto } from "onnx-proto";

const { onnx } = onnxProto;

import type { Calibration } from "../../scoring/model-card.ts";
import { ONNX_GRAPH, ONNX_IO } from "../../scoring/onnx-model.ts";
import type { TreeEnsemble } from "../../scoring/tree-ensemble.ts";

export const OPSET = 17;
export const ML_OPSET = 3;

const { AttributeType } = onnx.AttributeProto;
const text = (s: string) => new TextEncoder().encode(s);

function ints(name: string, values: ArrayLike<number>): proto.IAttributeProto {
  return { name, type: AttributeType.INTS, ints: Array.from(values) };
}
function floats(name: string, values: ArrayLike<number>): proto.IAttributeProto {
  return { name, type: AttributeType.FLOATS, floats: Array.from(values) };
}
function strings(name: string, values: readonly string[]): proto.IAttributeProto {
  return { name, type: AttributeType.STRINGS, strings: values.map(text) };
}
function str(name: string, value: string): proto.IAttributeProto {
  return { name, type: AttributeType.STRING, s: text(value) };
}
function int(name: string, value: number): proto.IAttributeProto {
  return { name, type: AttributeType.INT, i: value };
}

function scalar(name: string, value: number): proto.ITensorProto {
  return { name, dataType: onnx.TensorProto.DataType.FLOAT, dims: [], floatData: [value] };
}

function int64s(name: string, values: ArrayLike<number>): proto.ITensorProto {
  return {
    name,
    dataType: onnx.TensorProto.DataType.INT64,
    dims: [values.length],
    int64Data: Array.from(values),
  };
}

function tensorInfo(name: string, dims: (string | number)[]): proto.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

/** The tree ensemble's node and leaf attributes (ai.onnx.ml TreeEnsembleRegressor, one target). */
function treeAttributes(ensemble: TreeEnsemble): proto.IAttributeProto[] {
  const nodeTree: number[] = [];
  const nodeId: number[] = [];
  const feature: number[] = [];
  const mode: string[] = [];
  const threshold: number[] = [];
  const yes: number[] = [];
  const no: number[] = [];
  const missingYes: number[] = [];
  const cover: number[] = [];
  const leafTree: number[] = [];
  const leafNode: number[] = [];
  const leafWeight: number[] = [];
  ensemble.trees.forEach((tree, t) => {
    for (let n = 0; n < tree.feature.length; n++) {
      const leaf = tree.feature[n]! < 0;
      nodeTree.push(t);
      nodeId.push(n);
      feature.push(leaf ? 0 : tree.feature[n]!);
      mode.push(leaf ? "LEAF" : "BRANCH_LT");
      threshold.push(leaf ? 0 : tree.threshold[n]!);
      yes.push(leaf ? 0 : tree.yes[n]!);
      no.push(leaf ? 0 : tree.no[n]!);
      missingYes.push(leaf ? 0 : tree.missingYes[n]!);
      // Node covers ride in nodes_hitrates ("popularity of each node"): TreeSHAP reads them back.
      cover.push(tree.cover[n]!);
      if (leaf) {
        leafTree.push(t);
        leafNode.push(n);
        leafWeight.push(tree.value[n]!);
      }
    }
  });
  return [
    int("n_targets", 1),
    str("aggregate_function", "SUM"),
    str("post_transform", "NONE"),
    floats("base_values", [ensemble.baseMargin]),
    ints("nodes_treeids", nodeTree),
    ints("nodes_nodeids", nodeId),
    ints("nodes_featureids", feature),
    strings("nodes_modes", mode),
    floats("nodes_values", threshold),
    ints("nodes_truenodeids", yes),
    ints("nodes_falsenodeids", no),
    ints("nodes_missing_value_tracks_true", missingYes),
    floats("nodes_hitrates", cover),
    ints("target_treeids", leafTree),
    ints("target_nodeids", leafNode),
    ints("target_ids", new Array(leafTree.length).fill(0)),
    floats("target_weights", leafWeight),
  ];
}

/** A tree ensemble and the Platt calibration of its margin: trees -> margin -> slope * margin + intercept. */
function calibratedTrees(
  prefix: string,
  ensemble: TreeEnsemble,
  calibration: Calibration,
  margin: string,
  logit: string,
): { initializer: proto.ITensorProto[]; node: proto.INodeProto[] } {
  const slope = `${prefix}calibration_slope`;
  const intercept = `${prefix}calibration_intercept`;
  return {
    initializer: [scalar(slope, calibration.slope), scalar(intercept, calibration.intercept)],
    node: [
      {
        name: `${prefix}trees`,
        opType: "TreeEnsembleRegressor",
        domain: "ai.onnx.ml",
        input: [ONNX_IO.input],
        output: [margin],
        attribute: treeAttributes(ensemble),
      },
      { name: `${prefix}scale`, opType: "Mul", input: [margin, slope], output: [`${prefix}scaled`] },
      { name: `${prefix}shift`, opType: "Add", input: [`${prefix}scaled`, intercept], output: [logit] },
    ],
  };
}

/** The second ensemble, for clients without history (scoring/history-routing.ts). */
export interface NoHistoryEnsemble {
  ensemble: TreeEnsemble;
  calibration: Calibration;
  /** The input column routing reads (`hist_sources`). */
  routingInput: number;
}

/**
 * The serving graph: features -> TreeEnsembleRegressor (margin) -> Platt calibration -> Sigmoid.
 * With a no-history ensemble, both run and a Where picks, per row, the main one when the client has
 * history (`hist_sources > 0`, false when missing: the rule of scoring/history-routing.ts) and the
 * no-history one otherwise. Calibration lives in the graph so every runtime gets
 * calibrated probabilities from the same file.
 */
export function exportOnnx(
  ensemble: TreeEnsemble,
  calibration: Calibration,
  producerVersion: string,
  noHistory?: NoHistoryEnsemble,
): Uint8Array {
  const main = calibratedTrees(
    "",
    ensemble,
    calibration,
    noHistory ? "main_margin" : ONNX_IO.margin,
    "logit",
  );
  const initializer = [...main.initializer];
  const node = [...main.node];
  if (noHistory) {
    const other = calibratedTrees(
      ONNX_GRAPH.noHistoryPrefix,
      noHistory.ensemble,
      noHistory.calibration,
      "no_history_margin",
      "no_history_logit",
    );
    initializer.push(
      ...other.initializer,
      int64s(ONNX_GRAPH.routingInput, [noHistory.routingInput]),
      scalar(ONNX_GRAPH.routingThreshold, 0),
    );
    node.push(
      ...other.node,
      // has_history[n] = hist_sources[n] > 0, false for NaN (IEEE comparison), as hasHistory() computes it
      {
        name: "history_sources",
        opType: "Gather",
        input: [ONNX_IO.input, ONNX_GRAPH.routingInput],
        output: ["history_sources"],
        attribute: [int("axis", 1)],
      },
      {
        name: "has_history",
        opType: "Greater",
        input: ["history_sources", ONNX_GRAPH.routingThreshold],
        output: ["has_history"],
      },
      {
        name: "pick_margin",
        opType: "Where",
        input: ["has_history", "main_margin", "no_history_margin"],
        output: [ONNX_IO.margin],
      },
      {
        name: "pick_logit",
        opType: "Where",
        input: ["has_history", "logit", "no_history_logit"],
        output: ["picked_logit"],
      },
    );
  }
  node.push({
    name: "link",
    opType: "Sigmoid",
    input: [noHistory ? "picked_logit" : "logit"],
    output: [ONNX_IO.probability],
  });
  const graph: proto.IGraphProto = {
    name: "credit_edge_default_risk",
    input: [tensorInfo(ONNX_IO.input, ["N", ensemble.featureCount])],
    output: [tensorInfo(ONNX_IO.probability, ["N", 1]), tensorInfo(ONNX_IO.margin, ["N", 1])],
    initializer,
    node,
  };
  const model: proto.IModelProto = {
    irVersion: 8,
    producerName: "credit-edge",
    producerVersion,
    opsetImport: [
      { domain: "", version: OPSET },
      { domain: "ai.onnx.ml", version: ML_OPSET },
    ],
    graph,
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}
