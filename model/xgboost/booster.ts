import koffi from "koffi";
import { check, xgboost } from "./native.ts";

/** A dense float32 matrix in XGBoost's memory, NaN meaning missing. Free it with `dispose()`. */
export class DMatrix {
  private handle: unknown;

  constructor(
    data: Float32Array,
    readonly rows: number,
    readonly cols: number,
    labels?: Float32Array,
    threads = 2,
  ) {
    if (data.length !== rows * cols)
      throw new Error(`matrix data has ${data.length} values, expected ${rows * cols}`);
    const out = [null];
    check(
      xgboost().XGDMatrixCreateFromMat_omp(data, rows, cols, Number.NaN, out, threads),
      "XGDMatrixCreateFromMat",
    );
    this.handle = out[0];
    if (labels) {
      if (labels.length !== rows) throw new Error(`${labels.length} labels for ${rows} rows`);
      check(xgboost().XGDMatrixSetFloatInfo(this.handle, "label", labels, rows), "XGDMatrixSetFloatInfo");
    }
  }

  get native(): unknown {
    if (this.handle === null) throw new Error("DMatrix used after dispose()");
    return this.handle;
  }

  dispose(): void {
    if (this.handle !== null) check(xgboost().XGDMatrixFree(this.handle), "XGDMatrixFree");
    this.handle = null;
  }
}

export type PredictKind = "margin" | "probability" | "contributions";
const PREDICT_TYPE: Record<PredictKind, number> = { probability: 0, margin: 1, contributions: 2 };

export class Booster {
  private handle: unknown;
  /** Parameters set so far: a model load drops them, so loadJson sets them again. */
  private readonly params = new Map<string, string>();

  private constructor(handle: unknown) {
    this.handle = handle;
  }

  static create(params: Record<string, string | number>, cache: readonly DMatrix[] = []): Booster {
    const out = [null];
    const dmats = cache.map((d) => d.native);
    check(xgboost().XGBoosterCreate(dmats.length ? dmats : null, dmats.length, out), "XGBoosterCreate");
    const booster = new Booster(out[0]);
    for (const [name, value] of Object.entries(params)) booster.setParam(name, String(value));
    return booster;
  }

  static fromJson(json: string): Booster {
    const booster = Booster.create({});
    booster.loadJson(json);
    return booster;
  }

  /**
   * Replace the model (trees, base score) with this JSON document, then set the training parameters again
   * (XGBoost's load resets them), so boosting can go on from the loaded trees: how a tree is edited
   * between rounds. The updater's random stream restarts, deterministically for the same sequence.
   */
  loadJson(json: string): void {
    const bytes = Buffer.from(json, "utf8");
    check(
      xgboost().XGBoosterLoadModelFromBuffer(this.native, bytes, bytes.length),
      "XGBoosterLoadModelFromBuffer",
    );
    for (const [name, value] of this.params) this.setParam(name, value);
  }

  private get native(): unknown {
    if (this.handle === null) throw new Error("Booster used after dispose()");
    return this.handle;
  }

  setParam(name: string, value: string): void {
    check(xgboost().XGBoosterSetParam(this.native, name, value), `XGBoosterSetParam(${name})`);
    this.params.set(name, value);
  }

  updateOneIter(iteration: number, train: DMatrix): void {
    check(xgboost().XGBoosterUpdateOneIter(this.native, iteration, train.native), "XGBoosterUpdateOneIter");
  }

  /** XGBoost's evaluation line for one iteration, parsed: e.g. { "valid-auc": 0.76 }. */
  evaluate(iteration: number, sets: Record<string, DMatrix>): Record<string, number> {
    const names = Object.keys(sets);
    const out = [null as string | null];
    check(
      xgboost().XGBoosterEvalOneIter(
        this.native,
        iteration,
        names.map((n) => sets[n]!.native),
        names,
        names.length,
        out,
      ),
      "XGBoosterEvalOneIter",
    );
    const metrics: Record<string, number> = {};
    for (const part of String(out[0]).split("\t").slice(1)) {
      const [key, value] = part.split(":");
      if (key && value) metrics[key] = Number(value);
    }
    return metrics;
  }

  boostedRounds(): number {
    const out = [0];
    check(xgboost().XGBoosterBoostedRounds(this.native, out), "XGBoosterBoostedRounds");
    return out[0]!;
  }

  /** A new booster with the first `rounds` trees (early stopping keeps the best iteration). */
  slice(rounds: number): Booster {
    return this.sliceRange(0, rounds);
  }

  /** A new booster with the trees of rounds [begin, end). */
  sliceRange(begin: number, end: number): Booster {
    const out = [null];
    check(xgboost().XGBoosterSlice(this.native, begin, end, 1, out), "XGBoosterSlice");
    return new Booster(out[0]);
  }

  /** Predictions as a flat array: one value per row, or rows x (features + 1) for contributions. */
  predict(data: DMatrix, kind: PredictKind): Float32Array {
    const shape = [null];
    const dim = [0];
    const result = [null];
    const config = JSON.stringify({
      type: PREDICT_TYPE[kind],
      training: false,
      iteration_begin: 0,
      iteration_end: 0,
      strict_shape: false,
    });
    check(
      xgboost().XGBoosterPredictFromDMatrix(this.native, data.native, config, shape, dim, result),
      "XGBoosterPredictFromDMatrix",
    );
    const dims = koffi.decode(shape[0], "uint64_t", Number(dim[0])) as (number | bigint)[];
    const length = dims.reduce<number>((n, d) => n * Number(d), 1);
    // XGBoost owns the buffer until its next call: copy it out now.
    return Float32Array.from(koffi.decode(result[0], "float", length) as number[]);
  }

  /** The model as XGBoost's JSON document (trees, base score, objective). */
  toJson(): string {
    const length = [0];
    const pointer = [null];
    check(
      xgboost().XGBoosterSaveModelToBuffer(this.native, JSON.stringify({ format: "json" }), length, pointer),
      "XGBoosterSaveModelToBuffer",
    );
    const bytes = koffi.decode(pointer[0], "uint8_t", Number(length[0])) as number[];
    return Buffer.from(bytes).toString("utf8");
  }

  dispose(): void {
    if (this.handle !== null) check(xgboost().XGBoosterFree(this.handle), "XGBoosterFree");
    this.handle = null;
  }
}
