import type { Calibration } from "../../scoring/model-card.ts";

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * Platt scaling: the slope and intercept of a logistic regression of labels on margins, by Newton's
 * method. Parameters are rounded to float32, the precision the ONNX graph stores them in, so every
 * runtime applies the same numbers.
 */
export function fitPlatt(
  labels: ArrayLike<number>,
  margins: ArrayLike<number>,
  iterations = 50,
): Calibration {
  let a = 1;
  let b = 0;
  for (let it = 0; it < iterations; it++) {
    let ga = 0;
    let gb = 0;
    let haa = 0;
    let hab = 0;
    let hbb = 0;
    for (let i = 0; i < labels.length; i++) {
      const m = margins[i]!;
      const p = sigmoid(a * m + b);
      const r = p - labels[i]!;
      const w = Math.max(p * (1 - p), 1e-12);
      ga += r * m;
      gb += r;
      haa += w * m * m;
      hab += w * m;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(Math.abs(det) > 1e-18)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) < 1e-10 && Math.abs(db) < 1e-10) break;
  }
  return { method: "platt", slope: Math.fround(a), intercept: Math.fround(b) };
}

/** The calibrated probability, computed as the ONNX graph does (float32 parameters, float64 math). */
export function applyPlatt(calibration: Calibration, margin: number): number {
  return sigmoid(calibration.slope * margin + calibration.intercept);
}
