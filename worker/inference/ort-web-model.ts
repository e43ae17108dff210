import { ONNX_IO } from "../../scoring/onnx-names.ts";
import type { ProbabilityModel } from "../../scoring/scorer.ts";
import { createOrtSession, ort } from "./ort-session.ts";

/** The ONNX graph in onnxruntime-web: the Worker's twin of the offline OnnxNodeModel. */
export class OrtWebModel implements ProbabilityModel {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async load(bytes: Uint8Array): Promise<OrtWebModel> {
    return new OrtWebModel(await createOrtSession(bytes));
  }

  async probabilities(inputs: Float32Array, rows: number): Promise<Float32Array> {
    const width = inputs.length / rows;
    const output = await this.session.run(
      { [ONNX_IO.input]: new ort.Tensor("float32", inputs, [rows, width]) },
      [ONNX_IO.probability],
    );
    return output[ONNX_IO.probability]!.data as Float32Array;
  }
}
