/**
 * Names of the serving graph's input and outputs: the contract between export and every runtime. `margin`
 * is the raw margin of the ensemble that scored the row. (Kept apart from the graph reader, so a runtime
 * that only runs the graph does not load protobufjs.)
 */
export const ONNX_IO = { input: "features", probability: "probability", margin: "margin" } as const;

/** Names inside the graph that readers rely on. */
export const ONNX_GRAPH = {
  /** Prefix of the no-history ensemble's node and calibration initializers. */
  noHistoryPrefix: "no_history_",
  /** int64 initializer [1]: the input column routing reads (scoring/history-routing.ts). */
  routingInput: "routing_input",
  /** float initializer: a row has history when that column is above it (0). */
  routingThreshold: "routing_threshold",
} as const;
