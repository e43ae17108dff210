import { auc, calibrationBins, expectedCalibrationError } from "../model/evaluation/metrics.ts";
import { MONITORING_TRIGGERS } from "./triggers.ts";

export interface MonthBacktest {
  month: string;
  decisions: number;
  defaults: number;
  auc: number | null;
  ece: number;
  ece_alert: boolean;
  /** The AUC is below `auc_floor` (the card's untouched-test 95% interval's lower bound). */
  auc_alert: boolean;
  /** Deciles of predicted probability: mean predicted against the observed default rate. */
  deciles: { mean_predicted: number; observed_rate: number; count: number }[];
}

export interface OutcomeRow {
  month: string;
  probability: number;
  target: number;
}

/**
 * Back-testing by month of decision: discrimination (AUC, flagged below `aucFloor` when the card gives one),
 * calibration (ECE, deciles).
 */
export function backtestByMonth(
  rows: readonly OutcomeRow[],
  aucFloor: number | null = null,
): MonthBacktest[] {
  const byMonth = new Map<string, OutcomeRow[]>();
  for (const r of rows) {
    const list = byMonth.get(r.month);
    if (list) list.push(r);
    else byMonth.set(r.month, [r]);
  }
  return [...byMonth.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([month, list]) => {
      const y = list.map((r) => r.target);
      const p = list.map((r) => r.probability);
      const a = auc(y, p);
      const ece = expectedCalibrationError(y, p);
      return {
        month,
        decisions: list.length,
        defaults: y.reduce((s, v) => s + v, 0),
        auc: Number.isNaN(a) ? null : a,
        ece,
        ece_alert: ece > MONITORING_TRIGGERS.ece_alert,
        auc_alert:
          MONITORING_TRIGGERS.auc_below_test_interval &&
          aucFloor !== null &&
          !Number.isNaN(a) &&
          a < aucFloor,
        deciles: calibrationBins(y, p, 10).map((b) => ({
          mean_predicted: b.meanPredicted,
          observed_rate: b.observedRate,
          count: b.count,
        })),
      };
    });
}
