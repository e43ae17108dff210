/**
 * Category values the application features never pass to the model (they encode as missing), decided by
 * the model card's proxy review (model/fair-lending/proxy-review.ts): values that may stand in for a
 * protected attribute and that the training data gives no empirical evidence about (fewer rows than the
 * review's evidence floor), so no empirically derived, statistically sound system could score them.
 * Pure: no Node APIs.
 */
export const WITHHELD_VALUES: Readonly<Record<string, readonly string[]>> = {
  // A proxy for sex; Regulation B 1002.6(b)(3) also bars assumptions about childbearing and interrupted income.
  NAME_INCOME_TYPE: ["Maternity leave"],
  // A proxy for religion.
  ORGANIZATION_TYPE: ["Religion"],
};

export function isWithheld(column: string, value: string): boolean {
  return WITHHELD_VALUES[column]?.includes(value) ?? false;
}
