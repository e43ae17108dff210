/**
 * Which ensemble scores a client: the one definition of "no history", shared by training (which rows the
 * no-history ensemble is evaluated and calibrated on), the ONNX graph (its `Where`) and TreeSHAP (which
 * ensemble explains the row).
 *
 * A client has history when at least one history table holds a record of it dated before the application:
 * `hist_sources` (the count of such tables, from the feature SQL) is above 0. It is 0 for a known client
 * with no records at all and missing for an applicant the store does not know; both go to the no-history
 * ensemble. Any other history input is missing for both, but `hist_sources` is not missing for the first:
 * routing on "any history input present" sent those clients down the main ensemble's blanked-history path.
 */
export const HISTORY_SOURCES_FEATURE = "hist_sources";

/** The model input column routing reads; a model with a no-history ensemble must have it. */
export function routingInput(inputNames: readonly string[]): number {
  const index = inputNames.indexOf(HISTORY_SOURCES_FEATURE);
  if (index < 0)
    throw new Error(`routing needs the ${HISTORY_SOURCES_FEATURE} input, which the model does not have`);
  return index;
}

/** Whether the row goes to the main ensemble: `hist_sources > 0` (false when missing, as NaN > 0 is). */
export function hasHistory(row: ArrayLike<number>, routingColumn: number): boolean {
  return row[routingColumn]! > 0;
}
