/**
 * Applicants aged 62 or over (Regulation B, 12 CFR 1002.6(b)(2): their age may not be assigned a negative
 * factor). The application features withhold such an applicant's age-derived inputs (the reason-code
 * table's age-based factor): they are missing, and for every other applicant they never are (a missing
 * ratio becomes AGE_INPUT_NOT_APPLICABLE). So in the model's age trees an elderly applicant follows one
 * path of its own, whose value training caps (model/fair-lending/age-rule.ts). Pure: no Node APIs.
 */
export const ELDERLY_AGE_YEARS = 62;

/** DAYS_BIRTH (negative: days before the application) at or below which an applicant is 62 or over. */
export const ELDERLY_DAYS_BIRTH = -ELDERLY_AGE_YEARS * 365.25;

/** An age-derived ratio that does not apply (no job, no car) for an applicant under 62: below any real one. */
export const AGE_INPUT_NOT_APPLICABLE = -1;

/** Aged 62 or over, or of unknown age: either way the age-derived inputs are withheld. */
export function withholdsAge(daysBirth: number): boolean {
  return !(daysBirth > ELDERLY_DAYS_BIRTH);
}
