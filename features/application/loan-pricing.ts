/**
 * What a cash loan's credit and annuity imply about its price. Home Credit's cash loans run for a
 * multiple of six months (6..60: every cash-loan CNT_PAYMENT in previous_application), so the term is the
 * shortest such multiple that the repayments can cover, and the interest rate follows from the annuity
 * formula. The rate a lender charged is its own risk estimate, which makes it a strong feature.
 */

export const CASH_LOAN_TERMS_MONTHS = [6, 12, 18, 24, 30, 36, 42, 48, 54, 60] as const;

/** The implied term in months: the shortest standard term longer than credit / annuity, or NaN. */
export function impliedTermMonths(credit: number, annuity: number): number {
  const payments = credit / annuity;
  if (!(payments > 0) || !Number.isFinite(payments)) return Number.NaN;
  return CASH_LOAN_TERMS_MONTHS.find((term) => term > payments) ?? Number.NaN;
}

/** Present value of `months` payments of 1 at monthly rate `rate`. */
const presentValue = (rate: number, months: number) => (1 - (1 + rate) ** -months) / rate;

/**
 * The annual rate (12 x monthly) at which `months` payments of `annuity` repay `credit`; NaN when no positive
 * rate does. Newton's method on the present value, which falls and is convex in the rate: from the root of
 * its tangent at rate 0 (left of the true root), every step stays left of the root and closer, so a few
 * steps reach it to the last bits. Anything unexpected falls back to bisection.
 */
export function impliedAnnualRate(credit: number, annuity: number, months: number): number {
  const payments = credit / annuity;
  if (!(payments > 0) || !(months > payments)) return Number.NaN;
  let rate = (2 * (months - payments)) / (months * (months + 1));
  for (let i = 0; i < 40 && rate > 1e-9 && rate < 1; i++) {
    const discount = (1 + rate) ** -months;
    const value = (1 - discount) / rate;
    const slope = ((months * discount) / (1 + rate) - value) / rate;
    const step = (value - payments) / slope;
    rate -= step;
    if (Math.abs(step) <= 1e-15 * rate) return 12 * rate;
  }
  return bisectedAnnualRate(payments, months);
}

/** The same rate by bisection of [1e-9, 1] (the present value falls as the rate rises). */
export function bisectedAnnualRate(payments: number, months: number): number {
  let low = 1e-9;
  let high = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    if (presentValue(mid, months) > payments) low = mid;
    else high = mid;
  }
  return 6 * (low + high);
}
