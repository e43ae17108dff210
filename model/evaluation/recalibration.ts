import { fitLogistic } from "../training/calibration.ts";

/**
 * Cox's (1958) recalibration test: regress the outcome on the logit of the predicted probability. A
 * calibrated model has slope 1 and intercept 0; the Wald statistic of (slope - 1, intercept) against the
 * fit's information matrix is chi-square with 2 degrees of freedom under calibration.
 */
export interface RecalibrationTest {
  slope: number;
  intercept: number;
  chi_square: number;
  /** P(chi-square(2) >= statistic) = exp(-statistic / 2). */
  p_value: number;
  /** p < 0.05: the probabilities are miscalibrated beyond sampling noise. */
  drifts: boolean;
}

const logit = (p: number) => {
  const q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  return Math.log(q / (1 - q));
};

export function recalibrationTest(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
): RecalibrationTest {
  const fit = fitLogistic(
    labels,
    Float64Array.from({ length: labels.length }, (_, i) => logit(probabilities[i]!)),
  );
  const da = fit.slope - 1;
  const db = fit.intercept;
  const { slope: haa, cross: hab, intercept: hbb } = fit.information;
  const chi = da * da * haa + 2 * da * db * hab + db * db * hbb;
  const p = Math.exp(-chi / 2);
  return { slope: fit.slope, intercept: fit.intercept, chi_square: chi, p_value: p, drifts: p < 0.05 };
}
