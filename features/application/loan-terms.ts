import type { ApplicationRecord } from "./columns.ts";

/** Loan terms a client may ask about instead of those in its application. */
export interface LoanTerms {
  /** Credit amount (AMT_CREDIT). */
  readonly amount: number;
  /** Annuity (AMT_ANNUITY); required with the amount, since one without the other describes no loan. */
  readonly annuity: number;
  /** Price of the goods financed (AMT_GOODS_PRICE); the application's value when omitted. */
  readonly goods_price?: number;
}

/** The application as it would read with other loan terms; every derived feature follows from it. */
export function withLoanTerms(record: ApplicationRecord, loan: LoanTerms | undefined): ApplicationRecord {
  if (!loan) return record;
  return {
    ...record,
    AMT_CREDIT: loan.amount,
    AMT_ANNUITY: loan.annuity,
    ...(loan.goods_price !== undefined ? { AMT_GOODS_PRICE: loan.goods_price } : {}),
  };
}
