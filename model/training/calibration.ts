import type { Calibration } from "../../scoring/model-card.ts";

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** A one-variable logistic regression: p = sigmoid(slope * x + intercept), with its Fisher information. */
export interface LogisticFit {
  slope: number;
  intercept: number;
  /** The observed information matrix at the fit: [[slope, cross], [cross, intercept]]. */
  information: { slope: number; cross: number; intercept: number };
}

/** The slope and intercept of a logistic regression of labels on x, by Newton's method. */
export function fitLogistic(labels: ArrayLike<number>, x: ArrayLike<number>, iterations = 50): LogisticFit {
  let a = 1;
  let b = 0;
  const info = { slope: 0, cross: 0, intercept: 0 };
  for (let it = 0; it <= iterations; it++) {
    let ga = 0;
    let gb = 0;
    let haa = 0;
    let hab = 0;
    let hbb = 0;
    for (let i = 0; i < labels.length; i++) {
      const m = x[i]!;
      const p = sigmoid(a * m + b);
      const r = p - labels[i]!;
      const w = Math.max(p * (1 - p), 1e-12);
      ga += r * m;
      gb += r;
      haa += w * m * m;
      hab += w * m;
      hbb += w;
    }
    info.slope = haa;
    info.cross = hab;
    info.intercept = hbb;
    const det = haa * hbb - hab * hab;
    if (it === iterations || !(Math.abs(det) > 1e-18)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) < 1e-10 && Math.abs(db) < 1e-10) iterations = it + 1; // one more pass for the information
  }
  return { slope: a, intercept: b, information: info };
}

/**
 * Platt scaling: the slope and intercept of a logistic regression of labels on margins. Parameters are
 * rounded to float32, the precision the ONNX graph stores them in, so every runtime applies the same numbers.
 */
export function fitPlatt(
  labels: ArrayLike<number>,
  margins: ArrayLike<number>,
  iterations = 50,
): Calibration {
  const { slope, intercept } = fitLogistic(labels, margins, iterations);
  return { method: "platt", slope: Math.fround(slope), intercept: Math.fround(intercept) };
}

/** The calibrated probability, computed as the ONNX graph does (float32 parameters, float64 math). */
export function applyPlatt(calibration: Calibration, margin: number): number {
  return sigmoid(calibration.slope * margin + calibration.intercept);
}
