import type { EnsembleGraphs } from "./ensemble-graphs.ts";
import { hasHistory } from "./history-routing.ts";
import type { ProbabilityModel } from "./scorer.ts";

interface Releasable {
  release(): Promise<void>;
}

/** A runtime's model over one graph's bytes (an onnxruntime-node or -web session). */
export type ModelLoader<M extends ProbabilityModel> = (bytes: Uint8Array) => Promise<M>;

/**
 * The serving graph's routing done in JS: each row goes to the one ensemble that scores it (the shared
 * `hist_sources` rule), which then runs alone, instead of the full graph running both ensembles for every
 * row and picking one. Same nodes, same floats: the probabilities are the full graph's.
 */
export class RoutedModel<M extends ProbabilityModel> implements ProbabilityModel {
  constructor(
    private readonly main: M,
    private readonly noHistory: M,
    private readonly routingInput: number,
  ) {}

  /** The models it routes between, e.g. to release their sessions. */
  get parts(): readonly M[] {
    return [this.main, this.noHistory];
  }

  /** Releases the parts' sessions, where the runtime has such a thing (onnxruntime-node). */
  async release(): Promise<void> {
    await Promise.all(this.parts.map((p) => (p as Partial<Releasable>).release?.()));
  }

  async probabilities(inputs: Float32Array, rows: number): Promise<Float32Array> {
    const width = inputs.length / rows;
    const routed = new Uint8Array(rows);
    let withHistory = 0;
    for (let r = 0; r < rows; r++) {
      if (hasHistory(inputs.subarray(r * width, (r + 1) * width), this.routingInput)) {
        routed[r] = 1;
        withHistory++;
      }
    }
    // One route for every row (a single request, most batches): the rows go as they are, uncopied.
    if (withHistory === rows) return this.main.probabilities(inputs, rows);
    if (withHistory === 0) return this.noHistory.probabilities(inputs, rows);
    const gather = (route: number, count: number) => {
      const out = new Float32Array(count * width);
      for (let r = 0, k = 0; r < rows; r++)
        if (routed[r] === route) out.set(inputs.subarray(r * width, (r + 1) * width), k++ * width);
      return out;
    };
    const [main, noHistory] = await Promise.all([
      this.main.probabilities(gather(1, withHistory), withHistory),
      this.noHistory.probabilities(gather(0, rows - withHistory), rows - withHistory),
    ]);
    const out = new Float32Array(rows);
    for (let r = 0, m = 0, n = 0; r < rows; r++) out[r] = routed[r] === 1 ? main[m++]! : noHistory[n++]!;
    return out;
  }
}

/**
 * The model a runtime serves from the graph's bytes: routed between the graph's two ensembles when it has
 * two, the graph as it is when it has one. `graphs` is the graph split by splitEnsembleGraphs (or kept
 * from an earlier split: model/offline-scoring/ensemble-cache.ts).
 */
export async function loadRoutedModel<M extends ProbabilityModel>(
  bytes: Uint8Array,
  load: ModelLoader<M>,
  graphs: EnsembleGraphs | null,
): Promise<M | RoutedModel<M>> {
  if (!graphs) return load(bytes);
  const [main, noHistory] = await Promise.all([load(graphs.main), load(graphs.noHistory)]);
  return new RoutedModel(main, noHistory, graphs.routingInput);
}
