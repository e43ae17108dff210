-- source: installments_payments
-- Instalment payment history of previous Home Credit credits per client, in two parts joined at the end:
-- payment_features aggregates the payment rows directly (lateness per payment: days past due and days
-- before due, clipped at 0), instalment_features first rebuilds each instalment (SK_ID_PREV,
-- NUM_INSTALMENT_NUMBER). An instalment can span several rows: partial payments (same calendar version,
-- one row per payment) and instalments split across calendar versions (one row per version, each
-- repeating the same payment). So rows are reduced per version (payments summed, prescribed amount
-- once), then per instalment (the versions' prescribed amounts summed, the payment counted once).
-- The big per-instalment GROUP BYs carry only a few aggregates to stay light on the 13.6M-row table.
-- Point in time (warehouse/sql/README.md): only payments made before the application day, and
-- instalments without a payment only when they fell due before it.
WITH installments_as_of AS (
  SELECT * FROM installments_payments WHERE COALESCE(DAYS_ENTRY_PAYMENT, DAYS_INSTALMENT) < 0
),
payments AS (
  SELECT
    *,
    IF(DAYS_ENTRY_PAYMENT IS NULL, NULL, IF(DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT > 0, DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT, 0)) AS row_dpd,
    IF(DAYS_ENTRY_PAYMENT IS NULL, NULL, IF(DAYS_INSTALMENT - DAYS_ENTRY_PAYMENT > 0, DAYS_INSTALMENT - DAYS_ENTRY_PAYMENT, 0)) AS row_dbd
  FROM installments_as_of
),
payment_features AS (
  SELECT
    SK_ID_CURR,
    COUNT(*) AS inst_payment_count, -- Number of instalment payment records
    COUNT(DISTINCT SK_ID_PREV) AS inst_loan_count, -- Number of distinct previous credits with instalment history
    MAX(row_dpd) AS inst_dpd_max, -- Max days a payment was made after its due date
    AVG(row_dpd) AS inst_dpd_mean, -- Mean days past due per payment (0 when paid on time)
    SUM(row_dpd) AS inst_dpd_sum, -- Total days past due over payments
    MAX(row_dbd) AS inst_dbd_max, -- Max days a payment was made before its due date
    AVG(row_dbd) AS inst_dbd_mean, -- Mean days paid before the due date per payment (0 when late)
    SUM(row_dbd) AS inst_dbd_sum, -- Total days paid before the due date over payments
    AVG(IF(row_dpd IS NULL, NULL, IF(row_dpd > 0, 1, 0))) AS inst_late_payment_share, -- Share of payments made after the due date
    MIN(AMT_PAYMENT) AS inst_amt_payment_min, -- Min single payment amount
    MAX(AMT_PAYMENT) AS inst_amt_payment_max, -- Max single payment amount
    AVG(AMT_PAYMENT) AS inst_amt_payment_mean, -- Mean single payment amount
    MIN(DAYS_ENTRY_PAYMENT) AS inst_days_entry_payment_min, -- Oldest payment day relative to application
    MAX(DAYS_ENTRY_PAYMENT) AS inst_days_entry_payment_max, -- Most recent payment day relative to application
    AVG(DAYS_ENTRY_PAYMENT) AS inst_days_entry_payment_mean, -- Mean payment day relative to application
    MIN(DAYS_INSTALMENT) AS inst_days_instalment_min, -- Oldest instalment due day relative to application
    MAX(DAYS_INSTALMENT) AS inst_days_instalment_max, -- Most recent instalment due day relative to application
    MAX(NUM_INSTALMENT_VERSION) AS inst_num_instalment_version_max, -- Max instalment calendar version (changes signal rescheduling)
    AVG(NUM_INSTALMENT_VERSION) AS inst_num_instalment_version_mean, -- Mean instalment calendar version
    AVG(IF(DAYS_INSTALMENT >= -365, row_dpd, NULL)) AS inst_12m_dpd_mean, -- Mean days past due per payment on instalments due in the last 12 months
    MAX(IF(DAYS_INSTALMENT >= -365, row_dpd, NULL)) AS inst_12m_dpd_max, -- Max days past due on instalments due in the last 12 months
    AVG(IF(DAYS_INSTALMENT >= -365, row_dbd, NULL)) AS inst_12m_dbd_mean -- Mean days paid before the due date per payment on instalments due in the last 12 months
  FROM payments
  GROUP BY SK_ID_CURR
),
versions AS (
  SELECT
    SK_ID_CURR,
    SK_ID_PREV,
    NUM_INSTALMENT_NUMBER,
    NUM_INSTALMENT_VERSION,
    COUNT(*) AS version_rows,
    MIN(DAYS_INSTALMENT) AS version_due_day,
    MAX(AMT_INSTALMENT) AS version_amount_due,
    SUM(AMT_PAYMENT) AS version_amount_paid,
    MAX(DAYS_ENTRY_PAYMENT) AS version_last_payment_day
  FROM installments_as_of
  GROUP BY SK_ID_CURR, SK_ID_PREV, NUM_INSTALMENT_NUMBER, NUM_INSTALMENT_VERSION
),
instalments AS (
  SELECT
    SK_ID_CURR,
    SK_ID_PREV,
    NUM_INSTALMENT_NUMBER,
    COUNT(*) AS version_count,
    SUM(version_rows) AS payment_rows,
    MIN(version_due_day) AS due_day,
    SUM(version_amount_due) AS amount_due,
    COALESCE(MAX(version_amount_paid), 0) AS amount_paid,
    MAX(version_last_payment_day) AS last_payment_day
  FROM versions
  GROUP BY SK_ID_CURR, SK_ID_PREV, NUM_INSTALMENT_NUMBER
),
instalment_rows AS (
  SELECT
    *,
    SAFE_DIVIDE(amount_paid, amount_due) AS paid_ratio,
    amount_due - amount_paid AS shortfall,
    IF(last_payment_day IS NULL, NULL, IF(last_payment_day - due_day > 0, last_payment_day - due_day, 0)) AS final_dpd
  FROM instalments
),
instalment_features AS (
  SELECT
    SK_ID_CURR,
    COUNT(*) AS inst_instalment_count, -- Number of instalments on previous credits
    SAFE_DIVIDE(SUM(payment_rows), COUNT(*)) AS inst_payments_per_instalment_mean, -- Mean number of payment records per instalment
    AVG(IF(version_count > 1, 1, 0)) AS inst_version_split_share, -- Share of instalments split across several calendar versions
    MIN(amount_due) AS inst_amt_instalment_min, -- Min prescribed instalment amount
    MAX(amount_due) AS inst_amt_instalment_max, -- Max prescribed instalment amount
    AVG(amount_due) AS inst_amt_instalment_mean, -- Mean prescribed instalment amount
    SUM(amount_due) AS inst_amt_instalment_sum, -- Total prescribed instalment amount
    SUM(amount_paid) AS inst_amt_payment_sum, -- Total amount paid on previous-credit instalments
    MIN(paid_ratio) AS inst_paid_ratio_min, -- Min share of an instalment that was paid
    AVG(paid_ratio) AS inst_paid_ratio_mean, -- Mean share of each instalment that was paid
    MAX(paid_ratio) AS inst_paid_ratio_max, -- Max share of an instalment that was paid (above 1: overpaid)
    MAX(shortfall) AS inst_shortfall_max, -- Max instalment amount minus amount paid
    AVG(shortfall) AS inst_shortfall_mean, -- Mean instalment amount minus amount paid
    SUM(shortfall) AS inst_shortfall_sum, -- Total instalment amount minus amount paid
    AVG(IF(shortfall > 0.01, 1, 0)) AS inst_underpaid_share, -- Share of instalments paid less than prescribed
    AVG(IF(last_payment_day IS NULL, 1, 0)) AS inst_unpaid_share, -- Share of instalments with no recorded payment
    AVG(IF(final_dpd > 0, 1, 0)) AS inst_late_share, -- Share of instalments whose last payment came after the due date
    AVG(IF(final_dpd > 30, 1, 0)) AS inst_late_30_share, -- Share of instalments whose last payment came more than 30 days late
    AVG(final_dpd) AS inst_final_dpd_mean, -- Mean days from due date to the last payment of each instalment (0 when on time)
    COUNTIF(due_day >= -365) AS inst_12m_instalment_count, -- Number of instalments due in the last 12 months
    AVG(IF(due_day >= -365, IF(final_dpd > 0, 1, 0), NULL)) AS inst_12m_late_share, -- Share of instalments due in the last 12 months paid late
    AVG(IF(due_day >= -365, paid_ratio, NULL)) AS inst_12m_paid_ratio_mean, -- Mean share of each instalment paid, instalments due in the last 12 months
    SUM(IF(due_day >= -365, shortfall, NULL)) AS inst_12m_shortfall_sum, -- Total instalment amount minus amount paid, instalments due in the last 12 months
    AVG(IF(due_day >= -365, IF(shortfall > 0.01, 1, 0), NULL)) AS inst_12m_underpaid_share, -- Share of instalments due in the last 12 months paid less than prescribed
    SUM(IF(due_day >= -365, amount_due, NULL)) AS inst_12m_amt_instalment_sum, -- Total prescribed instalment amount due in the last 12 months
    SUM(IF(due_day >= -365, amount_paid, NULL)) AS inst_12m_amt_payment_sum -- Total amount paid on instalments due in the last 12 months
  FROM instalment_rows
  GROUP BY SK_ID_CURR
)
SELECT *
FROM payment_features
LEFT JOIN instalment_features USING (SK_ID_CURR)
