-- source: credit_card_balance
-- Previous Home Credit credit cards per client: monthly balances aggregated in one pass, with row-level
-- ratios (utilisation, payment against the minimal instalment), the latest month of each card picked by
-- a ROW_NUMBER rank, and a last-12-months window (MONTHS_BALANCE >= -12) as masked aggregates.
-- Point in time (warehouse/sql/README.md): only the months before the application's month.
WITH credit_card_as_of AS (
  SELECT * FROM credit_card_balance WHERE MONTHS_BALANCE < 0
),
months AS (
  SELECT
    *,
    SAFE_DIVIDE(AMT_BALANCE, AMT_CREDIT_LIMIT_ACTUAL) AS utilisation,
    SAFE_DIVIDE(AMT_PAYMENT_TOTAL_CURRENT, AMT_INST_MIN_REGULARITY) AS payment_min_ratio,
    SAFE_DIVIDE(AMT_DRAWINGS_CURRENT, AMT_CREDIT_LIMIT_ACTUAL) AS drawing_limit_ratio,
    SAFE_DIVIDE(AMT_DRAWINGS_CURRENT, CNT_DRAWINGS_CURRENT) AS drawing_amount,
    CASE WHEN AMT_INST_MIN_REGULARITY > 0 THEN IF(AMT_PAYMENT_TOTAL_CURRENT < AMT_INST_MIN_REGULARITY, 1, 0) END AS below_min,
    ROW_NUMBER() OVER (PARTITION BY SK_ID_CURR, SK_ID_PREV ORDER BY MONTHS_BALANCE DESC, AMT_BALANCE DESC) AS recency_rank
  FROM credit_card_as_of
)
SELECT
  SK_ID_CURR,
  -- All monthly credit card balances
  COUNT(*) AS cc_count, -- Number of monthly credit card balance records
  COUNTIF(recency_rank = 1) AS cc_card_count, -- Number of distinct previous credit cards
  MIN(MONTHS_BALANCE) AS cc_months_balance_min, -- Min balance month relative to application over credit card months
  AVG(MONTHS_BALANCE) AS cc_months_balance_mean, -- Mean balance month relative to application over credit card months
  MIN(AMT_BALANCE) AS cc_amt_balance_min, -- Min monthly balance over credit card months
  MAX(AMT_BALANCE) AS cc_amt_balance_max, -- Max monthly balance over credit card months
  AVG(AMT_BALANCE) AS cc_amt_balance_mean, -- Mean monthly balance over credit card months
  SUM(AMT_BALANCE) AS cc_amt_balance_sum, -- Total monthly balance over credit card months
  STDDEV_SAMP(AMT_BALANCE) AS cc_amt_balance_std, -- Std dev of monthly balance over credit card months
  MIN(AMT_CREDIT_LIMIT_ACTUAL) AS cc_amt_credit_limit_actual_min, -- Min credit limit over credit card months
  MAX(AMT_CREDIT_LIMIT_ACTUAL) AS cc_amt_credit_limit_actual_max, -- Max credit limit over credit card months
  AVG(AMT_CREDIT_LIMIT_ACTUAL) AS cc_amt_credit_limit_actual_mean, -- Mean credit limit over credit card months
  STDDEV_SAMP(AMT_CREDIT_LIMIT_ACTUAL) AS cc_amt_credit_limit_actual_std, -- Std dev of credit limit over credit card months
  MAX(AMT_DRAWINGS_ATM_CURRENT) AS cc_amt_drawings_atm_current_max, -- Max monthly ATM drawings over credit card months
  AVG(AMT_DRAWINGS_ATM_CURRENT) AS cc_amt_drawings_atm_current_mean, -- Mean monthly ATM drawings over credit card months
  SUM(AMT_DRAWINGS_ATM_CURRENT) AS cc_amt_drawings_atm_current_sum, -- Total monthly ATM drawings over credit card months
  STDDEV_SAMP(AMT_DRAWINGS_ATM_CURRENT) AS cc_amt_drawings_atm_current_std, -- Std dev of monthly ATM drawings over credit card months
  MAX(AMT_DRAWINGS_CURRENT) AS cc_amt_drawings_current_max, -- Max monthly drawings over credit card months
  AVG(AMT_DRAWINGS_CURRENT) AS cc_amt_drawings_current_mean, -- Mean monthly drawings over credit card months
  SUM(AMT_DRAWINGS_CURRENT) AS cc_amt_drawings_current_sum, -- Total monthly drawings over credit card months
  STDDEV_SAMP(AMT_DRAWINGS_CURRENT) AS cc_amt_drawings_current_std, -- Std dev of monthly drawings over credit card months
  MAX(AMT_DRAWINGS_OTHER_CURRENT) AS cc_amt_drawings_other_current_max, -- Max monthly other drawings over credit card months
  AVG(AMT_DRAWINGS_OTHER_CURRENT) AS cc_amt_drawings_other_current_mean, -- Mean monthly other drawings over credit card months
  SUM(AMT_DRAWINGS_OTHER_CURRENT) AS cc_amt_drawings_other_current_sum, -- Total monthly other drawings over credit card months
  MAX(AMT_DRAWINGS_POS_CURRENT) AS cc_amt_drawings_pos_current_max, -- Max monthly POS drawings (goods) over credit card months
  AVG(AMT_DRAWINGS_POS_CURRENT) AS cc_amt_drawings_pos_current_mean, -- Mean monthly POS drawings (goods) over credit card months
  SUM(AMT_DRAWINGS_POS_CURRENT) AS cc_amt_drawings_pos_current_sum, -- Total monthly POS drawings (goods) over credit card months
  STDDEV_SAMP(AMT_DRAWINGS_POS_CURRENT) AS cc_amt_drawings_pos_current_std, -- Std dev of monthly POS drawings (goods) over credit card months
  MAX(AMT_INST_MIN_REGULARITY) AS cc_amt_inst_min_regularity_max, -- Max minimal monthly instalment over credit card months
  AVG(AMT_INST_MIN_REGULARITY) AS cc_amt_inst_min_regularity_mean, -- Mean minimal monthly instalment over credit card months
  SUM(AMT_INST_MIN_REGULARITY) AS cc_amt_inst_min_regularity_sum, -- Total minimal monthly instalment over credit card months
  STDDEV_SAMP(AMT_INST_MIN_REGULARITY) AS cc_amt_inst_min_regularity_std, -- Std dev of minimal monthly instalment over credit card months
  MIN(AMT_PAYMENT_CURRENT) AS cc_amt_payment_current_min, -- Min monthly payment over credit card months
  MAX(AMT_PAYMENT_CURRENT) AS cc_amt_payment_current_max, -- Max monthly payment over credit card months
  AVG(AMT_PAYMENT_CURRENT) AS cc_amt_payment_current_mean, -- Mean monthly payment over credit card months
  SUM(AMT_PAYMENT_CURRENT) AS cc_amt_payment_current_sum, -- Total monthly payment over credit card months
  STDDEV_SAMP(AMT_PAYMENT_CURRENT) AS cc_amt_payment_current_std, -- Std dev of monthly payment over credit card months
  MIN(AMT_PAYMENT_TOTAL_CURRENT) AS cc_amt_payment_total_current_min, -- Min overall monthly payment over credit card months
  MAX(AMT_PAYMENT_TOTAL_CURRENT) AS cc_amt_payment_total_current_max, -- Max overall monthly payment over credit card months
  AVG(AMT_PAYMENT_TOTAL_CURRENT) AS cc_amt_payment_total_current_mean, -- Mean overall monthly payment over credit card months
  SUM(AMT_PAYMENT_TOTAL_CURRENT) AS cc_amt_payment_total_current_sum, -- Total overall monthly payment over credit card months
  STDDEV_SAMP(AMT_PAYMENT_TOTAL_CURRENT) AS cc_amt_payment_total_current_std, -- Std dev of overall monthly payment over credit card months
  MIN(AMT_RECEIVABLE_PRINCIPAL) AS cc_amt_receivable_principal_min, -- Min principal receivable over credit card months
  MAX(AMT_RECEIVABLE_PRINCIPAL) AS cc_amt_receivable_principal_max, -- Max principal receivable over credit card months
  AVG(AMT_RECEIVABLE_PRINCIPAL) AS cc_amt_receivable_principal_mean, -- Mean principal receivable over credit card months
  SUM(AMT_RECEIVABLE_PRINCIPAL) AS cc_amt_receivable_principal_sum, -- Total principal receivable over credit card months
  STDDEV_SAMP(AMT_RECEIVABLE_PRINCIPAL) AS cc_amt_receivable_principal_std, -- Std dev of principal receivable over credit card months
  MIN(AMT_RECIVABLE) AS cc_amt_recivable_min, -- Min amount receivable over credit card months
  MAX(AMT_RECIVABLE) AS cc_amt_recivable_max, -- Max amount receivable over credit card months
  AVG(AMT_RECIVABLE) AS cc_amt_recivable_mean, -- Mean amount receivable over credit card months
  SUM(AMT_RECIVABLE) AS cc_amt_recivable_sum, -- Total amount receivable over credit card months
  MIN(AMT_TOTAL_RECEIVABLE) AS cc_amt_total_receivable_min, -- Min overall amount receivable over credit card months
  MAX(AMT_TOTAL_RECEIVABLE) AS cc_amt_total_receivable_max, -- Max overall amount receivable over credit card months
  AVG(AMT_TOTAL_RECEIVABLE) AS cc_amt_total_receivable_mean, -- Mean overall amount receivable over credit card months
  SUM(AMT_TOTAL_RECEIVABLE) AS cc_amt_total_receivable_sum, -- Total overall amount receivable over credit card months
  MAX(CNT_DRAWINGS_ATM_CURRENT) AS cc_cnt_drawings_atm_current_max, -- Max monthly number of ATM drawings over credit card months
  AVG(CNT_DRAWINGS_ATM_CURRENT) AS cc_cnt_drawings_atm_current_mean, -- Mean monthly number of ATM drawings over credit card months
  SUM(CNT_DRAWINGS_ATM_CURRENT) AS cc_cnt_drawings_atm_current_sum, -- Total monthly number of ATM drawings over credit card months
  MAX(CNT_DRAWINGS_CURRENT) AS cc_cnt_drawings_current_max, -- Max monthly number of drawings over credit card months
  AVG(CNT_DRAWINGS_CURRENT) AS cc_cnt_drawings_current_mean, -- Mean monthly number of drawings over credit card months
  SUM(CNT_DRAWINGS_CURRENT) AS cc_cnt_drawings_current_sum, -- Total monthly number of drawings over credit card months
  STDDEV_SAMP(CNT_DRAWINGS_CURRENT) AS cc_cnt_drawings_current_std, -- Std dev of monthly number of drawings over credit card months
  MAX(CNT_DRAWINGS_OTHER_CURRENT) AS cc_cnt_drawings_other_current_max, -- Max monthly number of other drawings over credit card months
  AVG(CNT_DRAWINGS_OTHER_CURRENT) AS cc_cnt_drawings_other_current_mean, -- Mean monthly number of other drawings over credit card months
  SUM(CNT_DRAWINGS_OTHER_CURRENT) AS cc_cnt_drawings_other_current_sum, -- Total monthly number of other drawings over credit card months
  MAX(CNT_DRAWINGS_POS_CURRENT) AS cc_cnt_drawings_pos_current_max, -- Max monthly number of POS drawings over credit card months
  AVG(CNT_DRAWINGS_POS_CURRENT) AS cc_cnt_drawings_pos_current_mean, -- Mean monthly number of POS drawings over credit card months
  SUM(CNT_DRAWINGS_POS_CURRENT) AS cc_cnt_drawings_pos_current_sum, -- Total monthly number of POS drawings over credit card months
  STDDEV_SAMP(CNT_DRAWINGS_POS_CURRENT) AS cc_cnt_drawings_pos_current_std, -- Std dev of monthly number of POS drawings over credit card months
  MAX(CNT_INSTALMENT_MATURE_CUM) AS cc_cnt_instalment_mature_cum_max, -- Max number of paid instalments over credit card months
  AVG(CNT_INSTALMENT_MATURE_CUM) AS cc_cnt_instalment_mature_cum_mean, -- Mean number of paid instalments over credit card months
  MAX(SK_DPD) AS cc_sk_dpd_max, -- Max days past due over credit card months
  AVG(SK_DPD) AS cc_sk_dpd_mean, -- Mean days past due over credit card months
  SUM(SK_DPD) AS cc_sk_dpd_sum, -- Total days past due over credit card months
  MAX(SK_DPD_DEF) AS cc_sk_dpd_def_max, -- Max days past due (small debts ignored) over credit card months
  AVG(SK_DPD_DEF) AS cc_sk_dpd_def_mean, -- Mean days past due (small debts ignored) over credit card months
  SUM(SK_DPD_DEF) AS cc_sk_dpd_def_sum, -- Total days past due (small debts ignored) over credit card months
  -- Ratios and behaviour shares
  MIN(utilisation) AS cc_utilisation_min, -- Min balance-to-limit utilisation over credit card months
  MAX(utilisation) AS cc_utilisation_max, -- Max balance-to-limit utilisation over credit card months
  AVG(utilisation) AS cc_utilisation_mean, -- Mean balance-to-limit utilisation over credit card months
  MIN(payment_min_ratio) AS cc_payment_min_ratio_min, -- Min payment-to-minimal-instalment ratio over credit card months
  AVG(payment_min_ratio) AS cc_payment_min_ratio_mean, -- Mean payment-to-minimal-instalment ratio over credit card months
  MAX(drawing_limit_ratio) AS cc_drawing_limit_ratio_max, -- Max drawings-to-limit ratio over credit card months
  AVG(drawing_limit_ratio) AS cc_drawing_limit_ratio_mean, -- Mean drawings-to-limit ratio over credit card months
  AVG(drawing_amount) AS cc_drawing_amount_mean, -- Mean amount per drawing over credit card months
  AVG(below_min) AS cc_below_min_share, -- Share of credit card months with a minimal instalment due where the payment fell short of it
  AVG(IF(AMT_DRAWINGS_CURRENT > 0, 1, 0)) AS cc_drawing_month_share, -- Share of credit card months with any drawing
  AVG(IF(SK_DPD > 0, 1, 0)) AS cc_dpd_month_share, -- Share of credit card months with days past due
  AVG(IF(SK_DPD_DEF > 0, 1, 0)) AS cc_dpd_def_month_share, -- Share of credit card months with days past due (small debts ignored)
  AVG(IF(AMT_BALANCE > AMT_CREDIT_LIMIT_ACTUAL, 1, 0)) AS cc_over_limit_month_share, -- Share of credit card months with balance above the limit
  AVG(IF(NAME_CONTRACT_STATUS = 'Active', 1, 0)) AS cc_status_active_share, -- Share of credit card months with status Active
  AVG(IF(NAME_CONTRACT_STATUS = 'Completed', 1, 0)) AS cc_status_completed_share, -- Share of credit card months with status Completed
  AVG(IF(NAME_CONTRACT_STATUS NOT IN ('Active', 'Completed'), 1, 0)) AS cc_status_other_share, -- Share of credit card months with another status (Signed, Demand, Sent proposal, Refused, Approved)
  -- Latest month of each card
  SUM(IF(recency_rank = 1, AMT_BALANCE, NULL)) AS cc_latest_amt_balance_sum, -- Total balance at the latest month of each credit card
  SUM(IF(recency_rank = 1, AMT_CREDIT_LIMIT_ACTUAL, NULL)) AS cc_latest_amt_credit_limit_actual_sum, -- Total credit limit at the latest month of each credit card
  SAFE_DIVIDE(SUM(IF(recency_rank = 1, AMT_BALANCE, NULL)), SUM(IF(recency_rank = 1, AMT_CREDIT_LIMIT_ACTUAL, NULL))) AS cc_latest_utilisation, -- Total balance divided by total limit at the latest month of each credit card
  MAX(IF(recency_rank = 1, MONTHS_BALANCE, NULL)) AS cc_latest_months_balance_max, -- Most recent credit card balance month relative to application
  MAX(IF(recency_rank = 1, SK_DPD, NULL)) AS cc_latest_sk_dpd_max, -- Max days past due at the latest month of each credit card
  COUNTIF(recency_rank = 1 AND NAME_CONTRACT_STATUS = 'Active') AS cc_latest_active_count, -- Number of credit cards with status Active at their latest month
  MAX(IF(recency_rank = 1, CNT_INSTALMENT_MATURE_CUM, NULL)) AS cc_latest_cnt_instalment_mature_cum_max, -- Max paid instalments at the latest month of each credit card
  -- Last 12 months
  COUNTIF(MONTHS_BALANCE >= -12) AS cc_12m_count, -- Number of credit card balance records in the last 12 months
  AVG(IF(MONTHS_BALANCE >= -12, AMT_BALANCE, NULL)) AS cc_12m_amt_balance_mean, -- Mean monthly balance over credit card months in the last 12 months
  MAX(IF(MONTHS_BALANCE >= -12, AMT_BALANCE, NULL)) AS cc_12m_amt_balance_max, -- Max monthly balance over credit card months in the last 12 months
  AVG(IF(MONTHS_BALANCE >= -12, utilisation, NULL)) AS cc_12m_utilisation_mean, -- Mean balance-to-limit utilisation over credit card months in the last 12 months
  MAX(IF(MONTHS_BALANCE >= -12, utilisation, NULL)) AS cc_12m_utilisation_max, -- Max balance-to-limit utilisation over credit card months in the last 12 months
  SUM(IF(MONTHS_BALANCE >= -12, AMT_DRAWINGS_CURRENT, NULL)) AS cc_12m_amt_drawings_current_sum, -- Total monthly drawings over credit card months in the last 12 months
  SUM(IF(MONTHS_BALANCE >= -12, CNT_DRAWINGS_CURRENT, NULL)) AS cc_12m_cnt_drawings_current_sum, -- Total monthly number of drawings over credit card months in the last 12 months
  SUM(IF(MONTHS_BALANCE >= -12, AMT_PAYMENT_TOTAL_CURRENT, NULL)) AS cc_12m_amt_payment_total_current_sum, -- Total overall monthly payment over credit card months in the last 12 months
  AVG(IF(MONTHS_BALANCE >= -12, payment_min_ratio, NULL)) AS cc_12m_payment_min_ratio_mean, -- Mean payment-to-minimal-instalment ratio over credit card months in the last 12 months
  MAX(IF(MONTHS_BALANCE >= -12, SK_DPD, NULL)) AS cc_12m_sk_dpd_max, -- Max days past due over credit card months in the last 12 months
  AVG(IF(MONTHS_BALANCE >= -12, below_min, NULL)) AS cc_12m_below_min_share, -- Share of credit card months in the last 12 months where less than the minimal instalment was paid
  AVG(CASE WHEN MONTHS_BALANCE >= -12 THEN IF(SK_DPD > 0, 1, 0) END) AS cc_12m_dpd_month_share -- Share of credit card months in the last 12 months with days past due
FROM months
GROUP BY SK_ID_CURR
