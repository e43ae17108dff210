import * as ort from "onnxruntime-node";
import type { ModelExplainer } from "../../scoring/model-explainer.ts";
import { ONNX_IO } from "../../scoring/onnx-names.ts";
import { loadRoutedModel, type RoutedModel } from "../../scoring/routed-model.ts";
import { type ProbabilityModel, Scorer } from "../../scoring/scorer.ts";
import { cachedEnsembleGraphs } from "./ensemble-cache.ts";
import { readArtifacts } from "./read-artifacts.ts";

export { type LoadedArtifacts, readArtifacts } from "./read-artifacts.ts";

/** The ONNX graph in onnxruntime-node: the offline twin of the Worker's onnxruntime-web session. */
export class OnnxNodeModel implements ProbabilityModel {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async load(bytes: Uint8Array): Promise<OnnxNodeModel> {
    return new OnnxNodeModel(await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 }));
  }

  release(): Promise<void> {
    return this.session.release();
  }

  async probabilities(inputs: Float32Array, rows: number): Promise<Float32Array> {
    const width = inputs.length / rows;
    const output = await this.session.run({
      [ONNX_IO.input]: new ort.Tensor("float32", inputs, [rows, width]),
    });
    return output[ONNX_IO.probability]!.data as Float32Array;
  }
}

/**
 * What offline scoring runs: the graph's ensembles as sessions of their own, each row sent to the one that
 * scores it (scoring/routed-model.ts), with the same probabilities as the full graph.
 */
export async function loadServingModel(
  bytes: Uint8Array,
): Promise<OnnxNodeModel | RoutedModel<OnnxNodeModel>> {
  return loadRoutedModel(bytes, OnnxNodeModel.load, await cachedEnsembleGraphs(bytes));
}

/** A Scorer over the published artifacts; with `explain`, TreeSHAP reasons come from the same graph. */
export async function loadScorer(options: { dir?: string; explain?: boolean } = {}): Promise<Scorer> {
  const { card, onnx } = readArtifacts(options.dir);
  let explainer: ModelExplainer | undefined;
  if (options.explain) {
    // The graph reader (protobufjs) loads only for reasons: scoring alone runs from the cached split.
    const { readOnnxModel } = await import("../../scoring/onnx-model.ts");
    const { ModelExplainer } = await import("../../scoring/model-explainer.ts");
    explainer = new ModelExplainer(readOnnxModel(onnx));
  }
  return new Scorer(card, await loadServingModel(onnx), explainer);
}
