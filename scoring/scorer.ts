import type { ApplicationRecord } from "../features/application/columns.ts";
import { APPLICATION_FEATURE_DEFINITIONS, applicationFeatures } from "../features/application/features.ts";
import { type LoanTerms, withLoanTerms } from "../features/application/loan-terms.ts";
import { type Decision, decide, type ModelCard } from "./model-card.ts";
import type { ModelExplainer } from "./model-explainer.ts";
import { fillInputRow, type InputLayout, inputLayout } from "./model-input.ts";
import { type Reason, topReasons } from "./reasons.ts";

/**
 * The runtime that evaluates the ONNX graph: onnxruntime-node offline, onnxruntime-web in the Worker.
 * Given `rows` input rows (row-major float32), it returns one calibrated probability per row.
 */
export interface ProbabilityModel {
  probabilities(inputs: Float32Array, rows: number): Promise<Float32Array>;
}

export interface ScoringInput {
  application: ApplicationRecord;
  /** Packed history features in the card's `packed_history_features` order, or null for none. */
  history: ArrayLike<number> | null;
  loan?: LoanTerms | undefined;
}

export interface Score {
  probability: number;
  decision: Decision;
  /** Present when reasons were asked for. */
  reasons?: Reason[];
}

/**
 * Scoring, the same everywhere: application features from the shared module, history from the store,
 * the model input assembled by name, the ONNX model's calibrated probability, the policy's decision and,
 * optionally, TreeSHAP reasons.
 */
export class Scorer {
  readonly layout: InputLayout;

  constructor(
    readonly card: ModelCard,
    private readonly model: ProbabilityModel,
    private readonly explainer?: ModelExplainer,
  ) {
    this.layout = inputLayout(
      card.features.map((f) => f.name),
      APPLICATION_FEATURE_DEFINITIONS.map((f) => f.name),
      card.packed_history_features,
    );
  }

  get width(): number {
    return this.card.features.length;
  }

  /** The model input rows for these clients, row-major float32. */
  inputs(items: readonly ScoringInput[]): Float32Array {
    const out = new Float32Array(items.length * this.width);
    items.forEach((item, r) => {
      const app = applicationFeatures(withLoanTerms(item.application, item.loan));
      fillInputRow(this.layout, app, item.history, out, r * this.width);
    });
    return out;
  }

  async score(items: readonly ScoringInput[], options: { reasons: boolean }): Promise<Score[]> {
    if (items.length === 0) return [];
    const inputs = this.inputs(items);
    const probabilities = await this.model.probabilities(inputs, items.length);
    return items.map((_, r) => {
      const probability = probabilities[r]!;
      const score: Score = { probability, decision: decide(probability, this.card.policy) };
      if (options.reasons)
        score.reasons = this.reasons(inputs.subarray(r * this.width, (r + 1) * this.width));
      return score;
    });
  }

  /** Contributions on the calibrated logit scale: TreeSHAP values of the scoring ensemble times its Platt slope. */
  explain(row: Float32Array): { contributions: Float64Array; baseValue: number } {
    if (!this.explainer) throw new Error("this scorer has no explainer");
    return this.explainer.explain(row);
  }

  reasons(row: Float32Array): Reason[] {
    return topReasons(this.card.features, row, this.explain(row).contributions);
  }
}
