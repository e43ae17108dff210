import type { ApplicationRecord, ApplicationValues } from "../features/application/columns.ts";
import {
  APPLICATION_FEATURE_DEFINITIONS,
  applicationFeatures,
  applicationFeaturesOf,
} from "../features/application/features.ts";
import { type LoanTerms, withLoanTerms } from "../features/application/loan-terms.ts";
import { type Decision, decide, type ModelCard } from "./model-card.ts";
import type { ModelExplainer } from "./model-explainer.ts";
import { fillInputRow, type InputLayout, inputLayout } from "./model-input.ts";
import { cardFactorTable, declineWithoutReasonRisk, type ReasonCode, ReasonCoder } from "./reason-codes.ts";
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

/** A bulk item: the application as its values in APPLICATION_COLUMNS order (a CSV parser's rows). */
export interface ValuesInput {
  values: ApplicationValues;
  history: ArrayLike<number> | null;
}

export interface Score {
  probability: number;
  decision: Decision;
  /** Present when reasons were asked for. */
  reasons?: Reason[];
  /** The reason-code factors behind `reasons`, present with them. */
  reasonCodes?: ReasonCode[];
  /** The model input row it was scored on (float32, model input order): what a decision record keeps. */
  input: Float32Array;
}

/**
 * Scoring, the same everywhere: application features from the shared module, history from the store,
 * the model input assembled by name, the ONNX model's calibrated probability, the policy's decision and,
 * optionally, TreeSHAP reasons.
 */
export class Scorer {
  readonly layout: InputLayout;
  readonly reasonCoder: ReasonCoder;

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
    this.reasonCoder = new ReasonCoder(
      cardFactorTable(card),
      card.features.map((f) => f.name),
    );
    // A model that could decline someone without a single reason code must not serve.
    const risk = explainer && declineWithoutReasonRisk(explainer.baseValues(), card.policy.decline_from);
    if (risk) throw new Error(`model ${card.version}: ${risk}`);
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

  /** Only the probabilities, one per item (bulk scoring: no per-row result objects). */
  async probabilities(items: readonly ValuesInput[]): Promise<Float32Array> {
    if (items.length === 0) return new Float32Array(0);
    const out = new Float32Array(items.length * this.width);
    items.forEach((item, r) => {
      fillInputRow(this.layout, applicationFeaturesOf(item.values), item.history, out, r * this.width);
    });
    return this.model.probabilities(out, items.length);
  }

  async score(items: readonly ScoringInput[], options: { reasons: boolean }): Promise<Score[]> {
    if (items.length === 0) return [];
    return this.scoreInputs(this.inputs(items), items.length, options);
  }

  /** Reasons and reason codes of one row, from one TreeSHAP pass. */
  explanation(row: Float32Array): { reasons: Reason[]; reasonCodes: ReasonCode[] } {
    const { contributions } = this.explain(row);
    return {
      reasons: topReasons(this.card.features, row, contributions),
      reasonCodes: this.reasonCoder.top(contributions),
    };
  }

  /** Probabilities and decisions of ready-made input rows (a decision record's), as `score` gives them. */
  async scoreInputs(inputs: Float32Array, rows: number, options: { reasons: boolean }): Promise<Score[]> {
    if (inputs.length !== rows * this.width)
      throw new Error(`expected ${rows} rows of ${this.width} inputs, got ${inputs.length} values`);
    if (rows === 0) return [];
    const probabilities = await this.model.probabilities(inputs, rows);
    return Array.from({ length: rows }, (_, r) => {
      const probability = probabilities[r]!;
      const input = inputs.subarray(r * this.width, (r + 1) * this.width);
      const score: Score = { probability, decision: decide(probability, this.card.policy), input };
      if (options.reasons) Object.assign(score, this.explanation(input));
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
