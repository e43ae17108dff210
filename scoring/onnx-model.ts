// onnx-proto is CommonJS (module.exports = { onnx }): default import, types from its namespace.
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

import type { Calibration } from "./model-card.ts";
import { computeMaxDepth, type Tree, type TreeEnsemble } from "./tree-ensemble.ts";

/** Names of the serving graph's input and outputs: the contract between export and every runtime. */
export const ONNX_IO = { input: "features", probability: "probability", margin: "margin" } as const;

type Long = { toNumber(): number };
const num = (v: number | Long) => (typeof v === "number" ? v : v.toNumber());
const decoder = new TextDecoder();

/**
 * Read the tree ensemble and calibration back out of the serving graph, covers included: what TreeSHAP
 * explains is exactly what the runtime evaluates.
 */
export function readOnnxModel(bytes: Uint8Array): { ensemble: TreeEnsemble; calibration: Calibration } {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  const trees = graph?.node?.find((n) => n.opType === "TreeEnsembleRegressor");
  if (!graph || !trees) throw new Error("ONNX model has no TreeEnsembleRegressor node");
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

  const inputDims = graph.input?.[0]?.type?.tensorType?.shape?.dim ?? [];
  const featureCount = num(inputDims[1]?.dimValue ?? 0);
  const initial = new Map((graph.initializer ?? []).map((t) => [t.name, t.floatData?.[0] ?? Number.NaN]));
  return {
    ensemble: { trees: ensembleTrees, baseMargin: floats("base_values")[0] ?? 0, featureCount },
    calibration: {
      method: "platt",
      slope: initial.get("calibration_slope") ?? Number.NaN,
      intercept: initial.get("calibration_intercept") ?? Number.NaN,
    },
  };
}
