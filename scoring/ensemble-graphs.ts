// onnx-proto is CommonJS (module.exports = { onnx }): default import, types from its namespace.
import onnxProto from "onnx-proto";
import { ONNX_GRAPH, ONNX_IO } from "./onnx-names.ts";

const { onnx } = onnxProto;

type Model = ReturnType<typeof onnx.ModelProto.decode>;
type Node = InstanceType<typeof onnx.NodeProto>;

/** The serving graph cut into one graph per ensemble, and the input column that routes a row between them. */
export interface EnsembleGraphs {
  /** The main ensemble alone: features -> its calibrated probability (and margin), as the full graph gives it. */
  main: Uint8Array;
  /** The no-history ensemble alone, the same way. */
  noHistory: Uint8Array;
  /** The model input column routing reads (scoring/history-routing.ts); the full graph's `routing_input`. */
  routingInput: number;
}

const num = (v: number | { toNumber(): number }) => (typeof v === "number" ? v : v.toNumber());

/**
 * The nodes of one ensemble's path through the serving graph (its trees, the Platt scale and shift), with
 * the final Sigmoid and the margin re-attached to that path. The full graph evaluates both ensembles for
 * every row and picks one with `Where`; a runtime that routes rows itself runs only the ensemble a row
 * needs, with the very nodes and initializers the full graph holds, so the probability is the same float.
 */
function ensembleModel(model: Model, prefix: string): Uint8Array {
  const graph = model.graph!;
  const byName = new Map((graph.node ?? []).map((n) => [n.name, n]));
  const path = ["trees", "scale", "shift"].map((part) => {
    const node = byName.get(`${prefix}${part}`);
    if (!node) throw new Error(`the serving graph has no node ${prefix}${part}`);
    return node;
  });
  const [trees, , shift] = path as [Node, Node, Node];
  const probability = onnx.NodeProto.create({
    name: "link",
    opType: "Sigmoid",
    input: [shift.output![0]!],
    output: [ONNX_IO.probability],
  });
  const margin = onnx.NodeProto.create({
    name: "margin",
    opType: "Identity",
    input: [trees.output![0]!],
    output: [ONNX_IO.margin],
  });
  const used = new Set(path.flatMap((n) => n.input ?? []));
  const part = onnx.ModelProto.create({
    ...model,
    graph: onnx.GraphProto.create({
      ...graph,
      node: [...path, probability, margin],
      initializer: (graph.initializer ?? []).filter((t) => used.has(t.name!)),
    }),
  });
  return onnx.ModelProto.encode(part).finish();
}

/**
 * The serving graph's two ensembles as graphs of their own, or null for a graph with one ensemble (which
 * then runs as it is). The full graph stays the model of record: its hash is the model card's.
 */
export function splitEnsembleGraphs(bytes: Uint8Array): EnsembleGraphs | null {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) throw new Error("ONNX model has no graph");
  if (!graph.node?.some((n) => n.name === `${ONNX_GRAPH.noHistoryPrefix}trees`)) return null;
  const routing = graph.initializer?.find((t) => t.name === ONNX_GRAPH.routingInput)?.int64Data?.[0];
  if (routing === undefined) throw new Error(`ONNX model lacks the ${ONNX_GRAPH.routingInput} initializer`);
  return {
    main: ensembleModel(model, ""),
    noHistory: ensembleModel(model, ONNX_GRAPH.noHistoryPrefix),
    routingInput: num(routing),
  };
}
