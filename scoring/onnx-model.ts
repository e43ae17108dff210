// onnx-proto is CommonJS (module.exports = { onnx }): default import, types from its namespace.
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

import type { Calibration } from "./model-card.ts";
import { ONNX_GRAPH, ONNX_IO } from "./onnx-names.ts";

export { ONNX_GRAPH, ONNX_IO };

import { computeMaxDepth, type Tree, type TreeEnsemble } from "./tree-ensemble.ts";

type Long = { toNumber(): number };
const num = (v: number | Long) => (typeof v === "number" ? v : v.toNumber());
const decoder = new TextDecoder();

/** One tree ensemble of the graph and the Platt calibration applied to its margin. */
export interface CalibratedEnsemble {
  ensemble: TreeEnsemble;
  calibration: Calibration;
}

export interface OnnxTrees extends CalibratedEnsemble {
  /** The ensemble for clients without history, when the graph has one, and the column routing reads. */
  noHistory?: CalibratedEnsemble & { routingInput: number };
}

type Graph = NonNullable<ReturnType<typeof onnx.ModelProto.decode>["graph"]>;

/**
 * Read the tree ensembles and calibrations back out of the serving graph, covers included: what TreeSHAP
 * explains is exactly what the runtime evaluates.
 */
export function readOnnxModel(bytes: Uint8Array): OnnxTrees {
  const graph = onnx.ModelProto.decode(bytes).graph;
  if (!graph) throw new Error("ONNX model has no graph");
  const inputDims = graph.input?.[0]?.type?.tensorType?.shape?.dim ?? [];
  const featureCount = num(inputDims[1]?.dimValue ?? 0);
  const main = readCalibratedEnsemble(graph, "", featureCount);
  const prefix = ONNX_GRAPH.noHistoryPrefix;
  if (!graph.node?.some((n) => n.name === `${prefix}trees`)) return main;
  const routing = graph.initializer?.find((t) => t.name === ONNX_GRAPH.routingInput);
  const column = routing?.int64Data?.[0];
  if (column === undefined) throw new Error(`ONNX model lacks the ${ONNX_GRAPH.routingInput} initializer`);
  return {
    ...main,
    noHistory: {
      ...readCalibratedEnsemble(graph, prefix, featureCount),
      routingInput: num(column),
    },
  };
}

function readCalibratedEnsemble(graph: Graph, prefix: string, featureCount: number): CalibratedEnsemble {
  const trees = graph.node?.find((n) => n.opType === "TreeEnsembleRegressor" && n.name === `${prefix}trees`);
  if (!trees) throw new Error(`ONNX model has no TreeEnsembleRegressor node ${prefix}trees`);
  const attr = new Map((trees.attribute ?? []).map((a) => [a.name, a]));
  const ints = (name: string) => (attr.get(name)?.ints ?? []).map(num);
  const floats = (name: string) => attr.get(name)?.floats ?? [];
  const modes = (attr.get("nodes_modes")?.strings ?? []).map((s) => decoder.decode(s));

  const treeIds = ints("nodes_treeids");
  const nodeIds = ints("nodes_nodeids");
  const featureIds = ints("nodes_featureids");
  const values = floats("nodes_values");
  const yesIds = ints("nodes_truenodeids");
  const noIds = ints("nodes_falsenodeids");
  const missing = ints("nodes_missing_value_tracks_true");
  const covers = floats("nodes_hitrates");
  const leafTrees = ints("target_treeids");
  const leafNodes = ints("target_nodeids");
  const weights = floats("target_weights");
  if (covers.length !== treeIds.length) throw new Error("ONNX model lacks node covers (nodes_hitrates)");

  const treeCount = treeIds.length ? Math.max(...treeIds) + 1 : 0;
  const sizes = new Int32Array(treeCount);
  for (let i = 0; i < treeIds.length; i++)
    sizes[treeIds[i]!] = Math.max(sizes[treeIds[i]!]!, nodeIds[i]! + 1);
  const built = Array.from(sizes, (n) => ({
    feature: new Int32Array(n).fill(-1),
    threshold: new Float32Array(n),
    yes: new Int32Array(n).fill(-1),
    no: new Int32Array(n).fill(-1),
    missingYes: new Uint8Array(n),
    value: new Float64Array(n),
    cover: new Float64Array(n),
  }));
  for (let i = 0; i < treeIds.length; i++) {
    const t = built[treeIds[i]!]!;
    const n = nodeIds[i]!;
    t.cover[n] = covers[i]!;
    if (modes[i] === "LEAF") continue;
    if (modes[i] !== "BRANCH_LT") throw new Error(`unsupported ONNX tree node mode ${modes[i]}`);
    t.feature[n] = featureIds[i]!;
    t.threshold[n] = values[i]!;
    t.yes[n] = yesIds[i]!;
    t.no[n] = noIds[i]!;
    t.missingYes[n] = missing[i]!;
  }
  for (let i = 0; i < leafTrees.length; i++) built[leafTrees[i]!]!.value[leafNodes[i]!]! += weights[i]!;
  const ensembleTrees: Tree[] = built.map((t) => ({
    ...t,
    maxDepth: computeMaxDepth(t.yes, t.no, t.feature),
  }));

  const initial = new Map((graph.initializer ?? []).map((t) => [t.name, t.floatData?.[0] ?? Number.NaN]));
  return {
    ensemble: { trees: ensembleTrees, baseMargin: floats("base_values")[0] ?? 0, featureCount },
    calibration: {
      method: "platt",
      slope: initial.get(`${prefix}calibration_slope`) ?? Number.NaN,
      intercept: initial.get(`${prefix}calibration_intercept`) ?? Number.NaN,
    },
  };
}
