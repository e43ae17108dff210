-- source: POS_CASH_balance
-- POS and cash loan monthly balances per client. Rows are reduced to one row per loan first (sums,
-- counts and extremes, plus the values of the loan's latest month), then per client; means over months
-- are ratios of sums so no second pass over the monthly rows is needed.
-- Point in time (warehouse/sql/README.md): only the months before the application's month.
WITH pos_cash_as_of AS (
  SELECT * FROM POS_CASH_balance WHERE MONTHS_BALANCE < 0
),
ranked AS (
  SELECT
    SK_ID_CURR,
    SK_ID_PREV,
    MONTHS_BALANCE,
    CNT_INSTALMENT,
    CNT_INSTALMENT_FUTURE,
    NAME_CONTRACT_STATUS,
    SK_DPD,
    SK_DPD_DEF,
    ROW_NUMBER() OVER (PARTITION BY SK_ID_CURR, SK_ID_PREV ORDER BY MONTHS_BALANCE DESC, NAME_CONTRACT_STATUS, SK_DPD DESC) AS recency_rank
  FROM pos_cash_as_of
),
loans AS (
  SELECT
    SK_ID_CURR,
    SK_ID_PREV,
    COUNT(*) AS months,
    MIN(MONTHS_BALANCE) AS first_month,
    MAX(MONTHS_BALANCE) AS last_month,
    SUM(MONTHS_BALANCE) AS month_sum,
    MAX(SK_DPD) AS dpd_max,
    SUM(SK_DPD) AS dpd_sum,
    COUNTIF(SK_DPD > 0) AS dpd_months,
    MAX(SK_DPD_DEF) AS dpd_def_max,
    SUM(SK_DPD_DEF) AS dpd_def_sum,
    COUNTIF(SK_DPD_DEF > 0) AS dpd_def_months,
    MIN(CNT_INSTALMENT) AS instalment_min,
    MAX(CNT_INSTALMENT) AS instalment_max,
    SUM(CNT_INSTALMENT) AS instalment_sum,
    COUNT(CNT_INSTALMENT) AS instalment_months,
    MAX(CNT_INSTALMENT_FUTURE) AS future_max,
    SUM(CNT_INSTALMENT_FUTURE) AS future_sum,
    COUNT(CNT_INSTALMENT_FUTURE) AS future_months,
    COUNTIF(NAME_CONTRACT_STATUS = 'Active') AS active_months,
    COUNTIF(NAME_CONTRACT_STATUS = 'Completed') AS completed_months,
    COUNTIF(NAME_CONTRACT_STATUS = 'Signed') AS signed_months,
    COUNTIF(NAME_CONTRACT_STATUS = 'Demand') AS demand_months,
    COUNTIF(NAME_CONTRACT_STATUS = 'Returned to the store') AS returned_months,
    COUNTIF(NAME_CONTRACT_STATUS NOT IN ('Active', 'Completed', 'Signed', 'Demand', 'Returned to the store')) AS other_status_months,
    COUNTIF(MONTHS_BALANCE >= -12) AS months_12m,
    MAX(IF(MONTHS_BALANCE >= -12, SK_DPD, NULL)) AS dpd_max_12m,
    SUM(IF(MONTHS_BALANCE >= -12, SK_DPD, NULL)) AS dpd_sum_12m,
    COUNTIF(MONTHS_BALANCE >= -12 AND SK_DPD > 0) AS dpd_months_12m,
    MAX(IF(MONTHS_BALANCE >= -12, SK_DPD_DEF, NULL)) AS dpd_def_max_12m,
    SUM(IF(MONTHS_BALANCE >= -12, CNT_INSTALMENT_FUTURE, NULL)) AS future_sum_12m,
    COUNTIF(MONTHS_BALANCE >= -12 AND CNT_INSTALMENT_FUTURE IS NOT NULL) AS future_months_12m,
    MAX(IF(recency_rank = 1, CNT_INSTALMENT_FUTURE, NULL)) AS latest_future,
    MAX(IF(recency_rank = 1, CNT_INSTALMENT, NULL)) AS latest_instalment,
    MAX(IF(recency_rank = 1, SK_DPD, NULL)) AS latest_dpd,
    MAX(IF(recency_rank = 1, IF(NAME_CONTRACT_STATUS = 'Active', 1, 0), NULL)) AS latest_active,
    MAX(IF(recency_rank = 1, IF(NAME_CONTRACT_STATUS = 'Completed', 1, 0), NULL)) AS latest_completed
  FROM ranked
  GROUP BY SK_ID_CURR, SK_ID_PREV
)
SELECT
  SK_ID_CURR,
  -- All monthly POS / cash loan balances
  SUM(months) AS pos_months_count, -- Number of monthly POS / cash loan balance records
  COUNT(*) AS pos_loan_count, -- Number of distinct previous POS / cash loans with balance history
  MIN(first_month) AS pos_months_balance_min, -- Oldest POS / cash balance month relative to application
  MAX(last_month) AS pos_months_balance_max, -- Most recent POS / cash balance month relative to application
  SAFE_DIVIDE(SUM(month_sum), SUM(months)) AS pos_months_balance_mean, -- Mean POS / cash balance month relative to application
  AVG(months) AS pos_months_per_loan_mean, -- Mean number of monthly balance records per POS / cash loan
  MAX(months) AS pos_months_per_loan_max, -- Max number of monthly balance records per POS / cash loan
  MAX(dpd_max) AS pos_sk_dpd_max, -- Max days past due in any month on POS / cash loans
  SAFE_DIVIDE(SUM(dpd_sum), SUM(months)) AS pos_sk_dpd_mean, -- Mean monthly days past due on POS / cash loans
  MAX(dpd_def_max) AS pos_sk_dpd_def_max, -- Max days past due (small debts ignored) in any month on POS / cash loans
  SAFE_DIVIDE(SUM(dpd_def_sum), SUM(months)) AS pos_sk_dpd_def_mean, -- Mean monthly days past due (small debts ignored) on POS / cash loans
  SAFE_DIVIDE(SUM(dpd_months), SUM(months)) AS pos_dpd_month_share, -- Share of POS / cash balance months with days past due
  SAFE_DIVIDE(SUM(dpd_def_months), SUM(months)) AS pos_dpd_def_month_share, -- Share of POS / cash balance months with days past due (small debts ignored)
  AVG(IF(dpd_max > 0, 1, 0)) AS pos_dpd_loan_share, -- Share of POS / cash loans that were ever past due
  AVG(IF(dpd_def_max > 0, 1, 0)) AS pos_dpd_def_loan_share, -- Share of POS / cash loans ever past due (small debts ignored)
  MIN(instalment_min) AS pos_cnt_instalment_min, -- Min loan term (instalments) over POS / cash balance months
  MAX(instalment_max) AS pos_cnt_instalment_max, -- Max loan term (instalments) over POS / cash balance months
  SAFE_DIVIDE(SUM(instalment_sum), SUM(instalment_months)) AS pos_cnt_instalment_mean, -- Mean loan term (instalments) over POS / cash balance months
  MAX(future_max) AS pos_cnt_instalment_future_max, -- Max instalments left to pay over POS / cash balance months
  SAFE_DIVIDE(SUM(future_sum), SUM(future_months)) AS pos_cnt_instalment_future_mean, -- Mean instalments left to pay over POS / cash balance months
  AVG(IF(instalment_max > instalment_min, 1, 0)) AS pos_term_change_share, -- Share of POS / cash loans whose term changed over time
  -- Contract status shares over balance months
  SAFE_DIVIDE(SUM(active_months), SUM(months)) AS pos_status_active_share, -- Share of POS / cash balance months with status Active
  SAFE_DIVIDE(SUM(completed_months), SUM(months)) AS pos_status_completed_share, -- Share of POS / cash balance months with status Completed
  SAFE_DIVIDE(SUM(signed_months), SUM(months)) AS pos_status_signed_share, -- Share of POS / cash balance months with status Signed
  SAFE_DIVIDE(SUM(demand_months), SUM(months)) AS pos_status_demand_share, -- Share of POS / cash balance months with status Demand
  SAFE_DIVIDE(SUM(returned_months), SUM(months)) AS pos_status_returned_share, -- Share of POS / cash balance months with status Returned to the store
  SAFE_DIVIDE(SUM(other_status_months), SUM(months)) AS pos_status_other_share, -- Share of POS / cash balance months with another status (Approved, Amortized debt, Canceled, XNA)
  AVG(IF(completed_months > 0, 1, 0)) AS pos_completed_loan_share, -- Share of POS / cash loans that reached status Completed
  -- Last 12 months
  SUM(months_12m) AS pos_12m_months_count, -- Number of POS / cash balance records in the last 12 months
  COUNTIF(months_12m > 0) AS pos_12m_loan_count, -- Number of POS / cash loans with balance records in the last 12 months
  MAX(dpd_max_12m) AS pos_12m_sk_dpd_max, -- Max days past due on POS / cash loans in the last 12 months
  SAFE_DIVIDE(SUM(dpd_sum_12m), SUM(months_12m)) AS pos_12m_sk_dpd_mean, -- Mean monthly days past due on POS / cash loans in the last 12 months
  MAX(dpd_def_max_12m) AS pos_12m_sk_dpd_def_max, -- Max days past due (small debts ignored) on POS / cash loans in the last 12 months
  SAFE_DIVIDE(SUM(dpd_months_12m), SUM(months_12m)) AS pos_12m_dpd_month_share, -- Share of POS / cash balance months in the last 12 months with days past due
  SAFE_DIVIDE(SUM(future_sum_12m), SUM(future_months_12m)) AS pos_12m_cnt_instalment_future_mean, -- Mean instalments left to pay on POS / cash loans in the last 12 months
  -- Latest month of each loan
  SUM(latest_future) AS pos_latest_cnt_instalment_future_sum, -- Total instalments left to pay at the latest month of each POS / cash loan
  AVG(latest_future) AS pos_latest_cnt_instalment_future_mean, -- Mean instalments left to pay at the latest month of each POS / cash loan
  MAX(latest_future) AS pos_latest_cnt_instalment_future_max, -- Max instalments left to pay at the latest month of each POS / cash loan
  AVG(latest_instalment) AS pos_latest_cnt_instalment_mean, -- Mean loan term (instalments) at the latest month of each POS / cash loan
  AVG(SAFE_DIVIDE(latest_future, latest_instalment)) AS pos_latest_remaining_share_mean, -- Mean share of the term still to pay at the latest month of each POS / cash loan
  AVG(last_month) AS pos_latest_months_balance_mean, -- Mean latest balance month of POS / cash loans relative to application
  MAX(latest_dpd) AS pos_latest_sk_dpd_max, -- Max days past due at the latest month of each POS / cash loan
  AVG(latest_dpd) AS pos_latest_sk_dpd_mean, -- Mean days past due at the latest month of each POS / cash loan
  SUM(latest_active) AS pos_latest_active_count, -- Number of POS / cash loans with status Active at their latest month
  AVG(latest_completed) AS pos_latest_completed_share, -- Share of POS / cash loans with status Completed at their latest month
  SUM(IF(latest_active = 1, latest_future, NULL)) AS pos_latest_active_cnt_instalment_future_sum -- Total instalments left to pay on POS / cash loans still active at their latest month
FROM loans
GROUP BY SK_ID_CURR
