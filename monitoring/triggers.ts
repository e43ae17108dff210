/**
 * When monitoring raises a flag: one definition, read by `credit-edge monitor` (flags and its exit code) and
 * written into the model card (its monitoring section), so the documented triggers are the applied ones.
 * Pure data: no Node APIs.
 *
 * PSI rules of thumb (Lewis 1994; Siddiqi 2017): < 0.10 stable, 0.10-0.25 moderate shift, >= 0.25
 * significant. Applied per input it is often called CSI.
 */
export const MONITORING_TRIGGERS = {
  /** PSI of the score distribution, and CSI of each input, at or above which a shift is flagged "moderate". */
  psi_moderate: 0.1,
  /** ... and "significant": `monitor` lists these names in `flags` and exits with MONITOR_ALERT_EXIT_CODE. */
  psi_significant: 0.25,
  /** Floor for a bin's share in PSI, so an empty bin keeps the logarithm finite. */
  psi_bin_floor: 1e-4,
  /** Back-testing with outcomes: expected calibration error above this is flagged. */
  ece_alert: 0.03,
  /** Back-testing: AUC below the lower bound of the model card's untouched-test 95% interval is flagged. */
  auc_below_test_interval: true,
} as const;

/** `credit-edge monitor` exits with this when any trigger at the significant level fires. */
export const MONITOR_ALERT_EXIT_CODE = 3;
