import { ELDERLY_AGE_YEARS } from "../../features/application/elderly.ts";
import { MONITOR_ALERT_EXIT_CODE, MONITORING_TRIGGERS } from "../../monitoring/triggers.ts";

/** The model card's fixed statements: what the model is for and what it may not be used for. */
export const INTENDED_USE = {
  purpose:
    "Estimate the probability that an applicant for a Home Credit consumer loan (cash loan or revolving credit) has payment difficulties, and turn it into an approve / review / decline recommendation with the principal reasons, for a lender's credit decision at application time.",
  users: "A lender's underwriting systems and reviewers, through the scoring API or offline batch scoring.",
  scope: [
    "Applications of the kind in the training data: Home Credit consumer loans to individual applicants, scored at the moment of application.",
    "Known clients with history (bureau, previous applications, loans, cards, instalments, dated before the application) and new applicants without any (the no-history ensemble).",
    "Decisions under the cost model in the card; the cost-sensitivity table shows how the thresholds move when it does not hold.",
  ],
  out_of_scope: [
    "Business, mortgage or secured credit, and any population unlike the training data's (another country, another product, another channel).",
    "Account management, collections, limit changes or pricing: the target is the first instalments of a new loan.",
    "Any decision without the adverse-action notice the reasons support, or without human review of the review band.",
    "Deciding on sex, marital status or any other prohibited basis: none is an input, and the fair-lending analysis must be repeated before use on a new population.",
  ],
  limitations: [
    "Trained on 5,000 labelled applications (386 defaults in the sample): every figure has the wide intervals printed beside it; segments of a few dozen clients are reported but not conclusive.",
    "Booked loans only: the applications the lender had declined are not in the data, so the model has never seen the outcomes of the riskiest applicants (no reject inference).",
    "installments_payments is a 200-row extract in the sample: the model gets almost no signal from it (see the per-table coverage).",
    "Hyperparameters and the feature set were tuned before this card's untouched test part was split off (see the tuning protocol), so the untouched-test figures are slightly optimistic for those choices.",
    `Applicants aged ${ELDERLY_AGE_YEARS} or over are scored without their age-derived inputs (Regulation B), which the model cannot use to rank them among themselves.`,
  ],
} as const;

export const TARGET = {
  definition:
    "TARGET = 1: the client had payment difficulties, a payment late by more than X days on at least one of the first Y instalments of the loan (Home Credit's definition; X and Y are not disclosed in the data); 0 otherwise.",
  population:
    "Loans Home Credit booked (application_train): the approved applications whose outcome was observed. Declined applications have no outcome and are not in the data: there is no reject inference, so the model estimates risk among applicants like those approved before.",
  reject_inference: false,
} as const;

/** The monitoring section: the thresholds `credit-edge monitor` applies (monitoring/triggers.ts). */
export function monitoringSection() {
  return {
    triggers: { ...MONITORING_TRIGGERS },
    alert_exit_code: MONITOR_ALERT_EXIT_CODE,
    description: [
      `PSI of the score distribution and of every input (CSI) against the training baseline: at or above ${MONITORING_TRIGGERS.psi_moderate} a moderate shift, at or above ${MONITORING_TRIGGERS.psi_significant} a significant one, which \`credit-edge monitor\` lists in its flags and signals with exit code ${MONITOR_ALERT_EXIT_CODE}. Bins' shares are floored at ${MONITORING_TRIGGERS.psi_bin_floor}.`,
      `Back-testing once outcomes arrive: expected calibration error above ${MONITORING_TRIGGERS.ece_alert} is flagged${MONITORING_TRIGGERS.auc_below_test_interval ? ", and so is an AUC below the lower bound of this card's untouched-test 95% interval (validation.untouched_test.metrics.auc.lower)" : ""}.`,
      "A flag asks for a review of the model (data, calibration, thresholds) before it goes on deciding; the fair-lending analysis is repeated on the back-tested outcomes.",
    ],
  };
}
