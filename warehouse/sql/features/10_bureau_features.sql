-- source: bureau, bureau_balance
-- Credit Bureau history per client: bureau_balance is first reduced to one row per bureau credit, joined
-- onto bureau (1 row per credit, so the join never multiplies rows), then everything is aggregated per
-- client in one pass; the active / closed / 12-month subsets are masked aggregates (IF(cond, x, NULL)).
-- bureau_balance STATUS: 0 no DPD, 1-5 DPD buckets (5 = 120+ or written off), C closed, X unknown.
-- Point in time (warehouse/sql/README.md): only credits opened and last updated before the application
-- day, and only the months before the application's month.
WITH bureau_as_of AS (
  SELECT * FROM bureau WHERE DAYS_CREDIT < 0 AND DAYS_CREDIT_UPDATE < 0
),
bureau_balance_as_of AS (
  SELECT * FROM bureau_balance WHERE MONTHS_BALANCE < 0
),
balance_per_credit AS (
  SELECT
    SK_ID_BUREAU,
    COUNT(*) AS months,
    MIN(MONTHS_BALANCE) AS first_month,
    MAX(MONTHS_BALANCE) AS last_month,
    COUNTIF(STATUS IN ('1', '2', '3', '4', '5')) AS dpd_months,
    AVG(IF(STATUS IN ('1', '2', '3', '4', '5'), 1, 0)) AS dpd_share,
    AVG(CASE WHEN MONTHS_BALANCE >= -12 THEN IF(STATUS IN ('1', '2', '3', '4', '5'), 1, 0) END) AS dpd_share_12m,
    MAX(CASE STATUS WHEN '1' THEN 1 WHEN '2' THEN 2 WHEN '3' THEN 3 WHEN '4' THEN 4 WHEN '5' THEN 5 ELSE 0 END) AS worst_status,
    MAX(IF(STATUS IN ('1', '2', '3', '4', '5'), MONTHS_BALANCE, NULL)) AS last_dpd_month,
    AVG(IF(STATUS = '0', 1, 0)) AS status_0_share,
    AVG(IF(STATUS = '1', 1, 0)) AS status_1_share,
    AVG(IF(STATUS = '2', 1, 0)) AS status_2_share,
    AVG(IF(STATUS = '3', 1, 0)) AS status_3_share,
    AVG(IF(STATUS = '4', 1, 0)) AS status_4_share,
    AVG(IF(STATUS = '5', 1, 0)) AS status_5_share,
    AVG(IF(STATUS = 'C', 1, 0)) AS status_c_share,
    AVG(IF(STATUS = 'X', 1, 0)) AS status_x_share
  FROM bureau_balance_as_of
  GROUP BY SK_ID_BUREAU
),
credits AS (
  SELECT
    *,
    SAFE_DIVIDE(AMT_CREDIT_SUM_DEBT, AMT_CREDIT_SUM) AS debt_credit_ratio,
    SAFE_DIVIDE(AMT_CREDIT_SUM_OVERDUE, AMT_CREDIT_SUM_DEBT) AS overdue_debt_ratio,
    SAFE_DIVIDE(AMT_ANNUITY, AMT_CREDIT_SUM) AS annuity_credit_ratio,
    DAYS_CREDIT_ENDDATE - DAYS_CREDIT AS planned_duration,
    DAYS_ENDDATE_FACT - DAYS_CREDIT AS actual_duration,
    DAYS_ENDDATE_FACT - DAYS_CREDIT_ENDDATE AS end_delay
  FROM bureau_as_of
  LEFT JOIN balance_per_credit USING (SK_ID_BUREAU)
)
SELECT
  SK_ID_CURR,
  -- All bureau credits
  COUNT(*) AS bureau_credit_count, -- Number of Credit Bureau credits
  MIN(DAYS_CREDIT) AS bureau_days_credit_min, -- Min credit opening day relative to application over bureau credits
  MAX(DAYS_CREDIT) AS bureau_days_credit_max, -- Max credit opening day relative to application over bureau credits
  AVG(DAYS_CREDIT) AS bureau_days_credit_mean, -- Mean credit opening day relative to application over bureau credits
  STDDEV_SAMP(DAYS_CREDIT) AS bureau_days_credit_std, -- Std dev of credit opening day relative to application over bureau credits
  MAX(CREDIT_DAY_OVERDUE) AS bureau_credit_day_overdue_max, -- Max days overdue at application over bureau credits
  AVG(CREDIT_DAY_OVERDUE) AS bureau_credit_day_overdue_mean, -- Mean days overdue at application over bureau credits
  MIN(DAYS_CREDIT_ENDDATE) AS bureau_days_credit_enddate_min, -- Min remaining credit duration in days over bureau credits
  MAX(DAYS_CREDIT_ENDDATE) AS bureau_days_credit_enddate_max, -- Max remaining credit duration in days over bureau credits
  AVG(DAYS_CREDIT_ENDDATE) AS bureau_days_credit_enddate_mean, -- Mean remaining credit duration in days over bureau credits
  MIN(DAYS_ENDDATE_FACT) AS bureau_days_enddate_fact_min, -- Min actual credit end day relative to application over bureau credits
  MAX(DAYS_ENDDATE_FACT) AS bureau_days_enddate_fact_max, -- Max actual credit end day relative to application over bureau credits
  AVG(DAYS_ENDDATE_FACT) AS bureau_days_enddate_fact_mean, -- Mean actual credit end day relative to application over bureau credits
  MAX(AMT_CREDIT_MAX_OVERDUE) AS bureau_amt_credit_max_overdue_max, -- Max highest amount ever overdue per credit over bureau credits
  AVG(AMT_CREDIT_MAX_OVERDUE) AS bureau_amt_credit_max_overdue_mean, -- Mean highest amount ever overdue per credit over bureau credits
  SUM(CNT_CREDIT_PROLONG) AS bureau_cnt_credit_prolong_sum, -- Total number of prolongations over bureau credits
  MIN(AMT_CREDIT_SUM) AS bureau_amt_credit_sum_min, -- Min credit amount over bureau credits
  MAX(AMT_CREDIT_SUM) AS bureau_amt_credit_sum_max, -- Max credit amount over bureau credits
  AVG(AMT_CREDIT_SUM) AS bureau_amt_credit_sum_mean, -- Mean credit amount over bureau credits
  SUM(AMT_CREDIT_SUM) AS bureau_amt_credit_sum_sum, -- Total credit amount over bureau credits
  MAX(AMT_CREDIT_SUM_DEBT) AS bureau_amt_credit_sum_debt_max, -- Max current debt over bureau credits
  AVG(AMT_CREDIT_SUM_DEBT) AS bureau_amt_credit_sum_debt_mean, -- Mean current debt over bureau credits
  SUM(AMT_CREDIT_SUM_DEBT) AS bureau_amt_credit_sum_debt_sum, -- Total current debt over bureau credits
  MAX(AMT_CREDIT_SUM_LIMIT) AS bureau_amt_credit_sum_limit_max, -- Max credit card limit over bureau credits
  AVG(AMT_CREDIT_SUM_LIMIT) AS bureau_amt_credit_sum_limit_mean, -- Mean credit card limit over bureau credits
  SUM(AMT_CREDIT_SUM_LIMIT) AS bureau_amt_credit_sum_limit_sum, -- Total credit card limit over bureau credits
  MAX(AMT_CREDIT_SUM_OVERDUE) AS bureau_amt_credit_sum_overdue_max, -- Max current amount overdue over bureau credits
  AVG(AMT_CREDIT_SUM_OVERDUE) AS bureau_amt_credit_sum_overdue_mean, -- Mean current amount overdue over bureau credits
  SUM(AMT_CREDIT_SUM_OVERDUE) AS bureau_amt_credit_sum_overdue_sum, -- Total current amount overdue over bureau credits
  MIN(DAYS_CREDIT_UPDATE) AS bureau_days_credit_update_min, -- Min last bureau update day relative to application over bureau credits
  MAX(DAYS_CREDIT_UPDATE) AS bureau_days_credit_update_max, -- Max last bureau update day relative to application over bureau credits
  AVG(DAYS_CREDIT_UPDATE) AS bureau_days_credit_update_mean, -- Mean last bureau update day relative to application over bureau credits
  MAX(AMT_ANNUITY) AS bureau_amt_annuity_max, -- Max annuity over bureau credits
  AVG(AMT_ANNUITY) AS bureau_amt_annuity_mean, -- Mean annuity over bureau credits
  SUM(AMT_ANNUITY) AS bureau_amt_annuity_sum, -- Total annuity over bureau credits
  MAX(debt_credit_ratio) AS bureau_debt_credit_ratio_max, -- Max debt-to-credit-amount ratio over bureau credits
  AVG(debt_credit_ratio) AS bureau_debt_credit_ratio_mean, -- Mean debt-to-credit-amount ratio over bureau credits
  MAX(overdue_debt_ratio) AS bureau_overdue_debt_ratio_max, -- Max overdue-to-debt ratio over bureau credits
  AVG(overdue_debt_ratio) AS bureau_overdue_debt_ratio_mean, -- Mean overdue-to-debt ratio over bureau credits
  AVG(annuity_credit_ratio) AS bureau_annuity_credit_ratio_mean, -- Mean annuity-to-credit-amount ratio over bureau credits
  MAX(planned_duration) AS bureau_planned_duration_max, -- Max planned credit duration in days over bureau credits
  AVG(planned_duration) AS bureau_planned_duration_mean, -- Mean planned credit duration in days over bureau credits
  AVG(actual_duration) AS bureau_actual_duration_mean, -- Mean actual credit duration in days over bureau credits
  AVG(end_delay) AS bureau_end_delay_mean, -- Mean days between actual and planned end (negative: closed early) over bureau credits
  SAFE_DIVIDE(SUM(AMT_CREDIT_SUM_DEBT), SUM(AMT_CREDIT_SUM)) AS bureau_total_debt_credit_ratio, -- Total current debt divided by total credit amount over bureau credits
  SAFE_DIVIDE(SUM(AMT_CREDIT_SUM_OVERDUE), SUM(AMT_CREDIT_SUM_DEBT)) AS bureau_total_overdue_debt_ratio, -- Total amount overdue divided by total current debt over bureau credits
  SAFE_DIVIDE(SUM(AMT_CREDIT_SUM_LIMIT), SUM(AMT_CREDIT_SUM)) AS bureau_total_limit_credit_ratio, -- Total credit card limit divided by total credit amount over bureau credits
  SAFE_DIVIDE(SUM(AMT_ANNUITY), SUM(AMT_CREDIT_SUM_DEBT)) AS bureau_total_annuity_debt_ratio, -- Total annuity divided by total current debt over bureau credits
  SAFE_DIVIDE(MAX(DAYS_CREDIT) - MIN(DAYS_CREDIT), COUNT(*) - 1) AS bureau_days_credit_gap_mean, -- Mean days between consecutive bureau credit openings
  AVG(IF(CREDIT_DAY_OVERDUE > 0, 1, 0)) AS bureau_overdue_share, -- Share of bureau credits overdue at application
  AVG(IF(AMT_CREDIT_MAX_OVERDUE > 0, 1, 0)) AS bureau_ever_overdue_share, -- Share of bureau credits with any amount ever overdue
  AVG(IF(CNT_CREDIT_PROLONG > 0, 1, 0)) AS bureau_prolonged_share, -- Share of bureau credits prolonged at least once
  COUNTIF(DAYS_CREDIT_ENDDATE > 0) AS bureau_future_end_count, -- Number of bureau credits planned to end after the application
  -- CREDIT_ACTIVE, CREDIT_TYPE and CREDIT_CURRENCY shares
  AVG(IF(CREDIT_ACTIVE = 'Active', 1, 0)) AS bureau_credit_active_active_share, -- Share of bureau credits still active
  AVG(IF(CREDIT_ACTIVE = 'Closed', 1, 0)) AS bureau_credit_active_closed_share, -- Share of bureau credits closed
  AVG(IF(CREDIT_ACTIVE IN ('Sold', 'Bad debt'), 1, 0)) AS bureau_credit_active_sold_bad_debt_share, -- Share of bureau credits sold or written off (bad debt)
  AVG(IF(CREDIT_TYPE = 'Consumer credit', 1, 0)) AS bureau_credit_type_consumer_share, -- Share of bureau credits that are consumer credits
  AVG(IF(CREDIT_TYPE = 'Credit card', 1, 0)) AS bureau_credit_type_credit_card_share, -- Share of bureau credits that are credit cards
  AVG(IF(CREDIT_TYPE = 'Car loan', 1, 0)) AS bureau_credit_type_car_loan_share, -- Share of bureau credits that are car loans
  AVG(IF(CREDIT_TYPE = 'Mortgage', 1, 0)) AS bureau_credit_type_mortgage_share, -- Share of bureau credits that are mortgages
  AVG(IF(CREDIT_TYPE = 'Microloan', 1, 0)) AS bureau_credit_type_microloan_share, -- Share of bureau credits that are microloans
  AVG(IF(CREDIT_TYPE IN ('Loan for business development', 'Loan for working capital replenishment', 'Loan for the purchase of equipment'), 1, 0)) AS bureau_credit_type_business_share, -- Share of bureau credits that are business, working-capital or equipment loans
  AVG(IF(CREDIT_TYPE NOT IN ('Consumer credit', 'Credit card', 'Car loan', 'Mortgage', 'Microloan', 'Loan for business development', 'Loan for working capital replenishment', 'Loan for the purchase of equipment'), 1, 0)) AS bureau_credit_type_other_share, -- Share of bureau credits that are other or unknown loan types
  COUNT(DISTINCT CREDIT_TYPE) AS bureau_credit_type_count, -- Number of distinct bureau credit types
  AVG(IF(CREDIT_CURRENCY = 'currency 2', 1, 0)) AS bureau_currency_2_share, -- Share of bureau credits in currency 2
  AVG(IF(CREDIT_CURRENCY IN ('currency 3', 'currency 4'), 1, 0)) AS bureau_currency_3_4_share, -- Share of bureau credits in currency 3 or 4
  -- Monthly bureau balance history, first aggregated per credit
  COUNT(months) AS bb_credit_count, -- Number of bureau credits with monthly balance history
  AVG(months) AS bb_months_mean, -- Mean number of monthly balance records across bureau credits
  SUM(months) AS bb_months_sum, -- Total number of monthly balance records across bureau credits
  MIN(first_month) AS bb_months_balance_min, -- Oldest monthly balance record over bureau credits (months before application)
  MAX(last_month) AS bb_months_balance_max, -- Most recent monthly balance record over bureau credits (months before application)
  AVG(status_0_share) AS bb_status_0_share_mean, -- Mean share of months with status 0 (no DPD) across bureau credits
  AVG(status_1_share) AS bb_status_1_share_mean, -- Mean share of months with status 1 (1-30 DPD) across bureau credits
  AVG(status_2_share) AS bb_status_2_share_mean, -- Mean share of months with status 2 (31-60 DPD) across bureau credits
  AVG(status_3_share) AS bb_status_3_share_mean, -- Mean share of months with status 3 (61-90 DPD) across bureau credits
  AVG(status_4_share) AS bb_status_4_share_mean, -- Mean share of months with status 4 (91-120 DPD) across bureau credits
  AVG(status_5_share) AS bb_status_5_share_mean, -- Mean share of months with status 5 (120+ DPD or written off) across bureau credits
  AVG(status_c_share) AS bb_status_c_share_mean, -- Mean share of months with status C (closed) across bureau credits
  AVG(status_x_share) AS bb_status_x_share_mean, -- Mean share of months with status X (unknown) across bureau credits
  AVG(dpd_share) AS bb_dpd_share_mean, -- Mean share of months with DPD across bureau credits
  MAX(dpd_share) AS bb_dpd_share_max, -- Max share of months with DPD across bureau credits
  AVG(dpd_share_12m) AS bb_12m_dpd_share_mean, -- Mean share of the last 12 months with DPD across bureau credits
  MAX(dpd_share_12m) AS bb_12m_dpd_share_max, -- Max share of the last 12 months with DPD across bureau credits
  AVG(worst_status) AS bb_worst_status_mean, -- Mean worst monthly DPD status (0-5) across bureau credits
  MAX(worst_status) AS bb_worst_status_max, -- Max worst monthly DPD status (0-5) across bureau credits
  SAFE_DIVIDE(SUM(dpd_months), SUM(months)) AS bb_dpd_share_total, -- Share of all monthly bureau balance records with DPD
  SUM(dpd_months) AS bb_dpd_months_sum, -- Total months with DPD over bureau credits
  AVG(CASE WHEN months IS NOT NULL THEN IF(dpd_months > 0, 1, 0) END) AS bb_dpd_credit_share, -- Share of bureau credits with balance history that ever had DPD
  MAX(last_dpd_month) AS bb_last_dpd_month_max, -- Most recent month with DPD over bureau credits (months before application)
  -- Active bureau credits
  COUNTIF(CREDIT_ACTIVE = 'Active') AS bureau_active_count, -- Number of active bureau credits
  MIN(IF(CREDIT_ACTIVE = 'Active', DAYS_CREDIT, NULL)) AS bureau_active_days_credit_min, -- Min credit opening day relative to application over active bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Active', DAYS_CREDIT, NULL)) AS bureau_active_days_credit_max, -- Max credit opening day relative to application over active bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Active', DAYS_CREDIT, NULL)) AS bureau_active_days_credit_mean, -- Mean credit opening day relative to application over active bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Active', CREDIT_DAY_OVERDUE, NULL)) AS bureau_active_credit_day_overdue_max, -- Max days overdue at application over active bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Active', CREDIT_DAY_OVERDUE, NULL)) AS bureau_active_credit_day_overdue_mean, -- Mean days overdue at application over active bureau credits
  MIN(IF(CREDIT_ACTIVE = 'Active', DAYS_CREDIT_ENDDATE, NULL)) AS bureau_active_days_credit_enddate_min, -- Min remaining credit duration in days over active bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Active', DAYS_CREDIT_ENDDATE, NULL)) AS bureau_active_days_credit_enddate_max, -- Max remaining credit duration in days over active bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Active', DAYS_CREDIT_ENDDATE, NULL)) AS bureau_active_days_credit_enddate_mean, -- Mean remaining credit duration in days over active bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Active', AMT_CREDIT_MAX_OVERDUE, NULL)) AS bureau_active_amt_credit_max_overdue_max, -- Max highest amount ever overdue per credit over active bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Active', AMT_CREDIT_MAX_OVERDUE, NULL)) AS bureau_active_amt_credit_max_overdue_mean, -- Mean highest amount ever overdue per credit over active bureau credits
  SUM(IF(CREDIT_ACTIVE = 'Active', CNT_CREDIT_PROLONG, NULL)) AS bureau_active_cnt_credit_prolong_sum, -- Total number of prolongations over active bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Active', AMT_CREDIT_SUM, NULL)) AS bureau_active_amt_credit_sum_max, -- Max credit amount over active bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Active', AMT_CREDIT_SUM, NULL)) AS bureau_active_amt_credit_sum_mean, -- Mean credit amount over active bureau credits
  SUM(IF(CREDIT_ACTIVE = 'Active', AMT_CREDIT_SUM, NULL)) AS bureau_active_amt_credit_sum_sum, -- Total credit amount over active bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Active', AMT_CREDIT_SUM_DEBT, NULL)) AS bureau_active_amt_credit_sum_debt_max, -- Max current debt over active bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Active', AMT_CREDIT_SUM_DEBT, NULL)) AS bureau_active_amt_credit_sum_debt_mean, -- Mean current debt over active bureau credits
  SUM(IF(CREDIT_ACTIVE = 'Active', AMT_CREDIT_SUM_DEBT, NULL)) AS bureau_active_amt_credit_sum_debt_sum, -- Total current debt over active bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Active', AMT_CREDIT_SUM_LIMIT, NULL)) AS bureau_active_amt_credit_sum_limit_mean, -- Mean credit card limit over active bureau credits
  SUM(IF(CREDIT_ACTIVE = 'Active', AMT_CREDIT_SUM_LIMIT, NULL)) AS bureau_active_amt_credit_sum_limit_sum, -- Total credit card limit over active bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Active', AMT_CREDIT_SUM_OVERDUE, NULL)) AS bureau_active_amt_credit_sum_overdue_max, -- Max current amount overdue over active bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Active', AMT_CREDIT_SUM_OVERDUE, NULL)) AS bureau_active_amt_credit_sum_overdue_mean, -- Mean current amount overdue over active bureau credits
  SUM(IF(CREDIT_ACTIVE = 'Active', AMT_CREDIT_SUM_OVERDUE, NULL)) AS bureau_active_amt_credit_sum_overdue_sum, -- Total current amount overdue over active bureau credits
  MIN(IF(CREDIT_ACTIVE = 'Active', DAYS_CREDIT_UPDATE, NULL)) AS bureau_active_days_credit_update_min, -- Min last bureau update day relative to application over active bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Active', DAYS_CREDIT_UPDATE, NULL)) AS bureau_active_days_credit_update_mean, -- Mean last bureau update day relative to application over active bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Active', AMT_ANNUITY, NULL)) AS bureau_active_amt_annuity_max, -- Max annuity over active bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Active', AMT_ANNUITY, NULL)) AS bureau_active_amt_annuity_mean, -- Mean annuity over active bureau credits
  SUM(IF(CREDIT_ACTIVE = 'Active', AMT_ANNUITY, NULL)) AS bureau_active_amt_annuity_sum, -- Total annuity over active bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Active', debt_credit_ratio, NULL)) AS bureau_active_debt_credit_ratio_max, -- Max debt-to-credit-amount ratio over active bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Active', debt_credit_ratio, NULL)) AS bureau_active_debt_credit_ratio_mean, -- Mean debt-to-credit-amount ratio over active bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Active', planned_duration, NULL)) AS bureau_active_planned_duration_mean, -- Mean planned credit duration in days over active bureau credits
  SAFE_DIVIDE(SUM(IF(CREDIT_ACTIVE = 'Active', AMT_CREDIT_SUM_DEBT, NULL)), SUM(IF(CREDIT_ACTIVE = 'Active', AMT_CREDIT_SUM, NULL))) AS bureau_active_total_debt_credit_ratio, -- Total current debt divided by total credit amount over active bureau credits
  SAFE_DIVIDE(SUM(IF(CREDIT_ACTIVE = 'Active', AMT_CREDIT_SUM_OVERDUE, NULL)), SUM(IF(CREDIT_ACTIVE = 'Active', AMT_CREDIT_SUM_DEBT, NULL))) AS bureau_active_total_overdue_debt_ratio, -- Total amount overdue divided by total current debt over active bureau credits
  AVG(CASE WHEN CREDIT_ACTIVE = 'Active' THEN IF(CREDIT_TYPE = 'Credit card', 1, 0) END) AS bureau_active_credit_card_share, -- Share of active bureau credits that are credit cards
  AVG(IF(CREDIT_ACTIVE = 'Active', months, NULL)) AS bb_active_months_mean, -- Mean number of monthly balance records across active bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Active', dpd_share, NULL)) AS bb_active_dpd_share_mean, -- Mean share of months with DPD across active bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Active', dpd_share_12m, NULL)) AS bb_active_12m_dpd_share_mean, -- Mean share of the last 12 months with DPD across active bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Active', worst_status, NULL)) AS bb_active_worst_status_max, -- Max worst monthly DPD status (0-5) across active bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Active', status_0_share, NULL)) AS bb_active_status_0_share_mean, -- Mean share of months with status 0 (no DPD) across active bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Active', status_x_share, NULL)) AS bb_active_status_x_share_mean, -- Mean share of months with status X (unknown) across active bureau credits
  -- Closed bureau credits
  COUNTIF(CREDIT_ACTIVE = 'Closed') AS bureau_closed_count, -- Number of closed bureau credits
  MIN(IF(CREDIT_ACTIVE = 'Closed', DAYS_CREDIT, NULL)) AS bureau_closed_days_credit_min, -- Min credit opening day relative to application over closed bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Closed', DAYS_CREDIT, NULL)) AS bureau_closed_days_credit_max, -- Max credit opening day relative to application over closed bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Closed', DAYS_CREDIT, NULL)) AS bureau_closed_days_credit_mean, -- Mean credit opening day relative to application over closed bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Closed', CREDIT_DAY_OVERDUE, NULL)) AS bureau_closed_credit_day_overdue_max, -- Max days overdue at application over closed bureau credits
  MIN(IF(CREDIT_ACTIVE = 'Closed', DAYS_CREDIT_ENDDATE, NULL)) AS bureau_closed_days_credit_enddate_min, -- Min remaining credit duration in days over closed bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Closed', DAYS_CREDIT_ENDDATE, NULL)) AS bureau_closed_days_credit_enddate_max, -- Max remaining credit duration in days over closed bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Closed', DAYS_CREDIT_ENDDATE, NULL)) AS bureau_closed_days_credit_enddate_mean, -- Mean remaining credit duration in days over closed bureau credits
  MIN(IF(CREDIT_ACTIVE = 'Closed', DAYS_ENDDATE_FACT, NULL)) AS bureau_closed_days_enddate_fact_min, -- Min actual credit end day relative to application over closed bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Closed', DAYS_ENDDATE_FACT, NULL)) AS bureau_closed_days_enddate_fact_max, -- Max actual credit end day relative to application over closed bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Closed', DAYS_ENDDATE_FACT, NULL)) AS bureau_closed_days_enddate_fact_mean, -- Mean actual credit end day relative to application over closed bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Closed', AMT_CREDIT_MAX_OVERDUE, NULL)) AS bureau_closed_amt_credit_max_overdue_max, -- Max highest amount ever overdue per credit over closed bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Closed', AMT_CREDIT_MAX_OVERDUE, NULL)) AS bureau_closed_amt_credit_max_overdue_mean, -- Mean highest amount ever overdue per credit over closed bureau credits
  SUM(IF(CREDIT_ACTIVE = 'Closed', CNT_CREDIT_PROLONG, NULL)) AS bureau_closed_cnt_credit_prolong_sum, -- Total number of prolongations over closed bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Closed', AMT_CREDIT_SUM, NULL)) AS bureau_closed_amt_credit_sum_max, -- Max credit amount over closed bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Closed', AMT_CREDIT_SUM, NULL)) AS bureau_closed_amt_credit_sum_mean, -- Mean credit amount over closed bureau credits
  SUM(IF(CREDIT_ACTIVE = 'Closed', AMT_CREDIT_SUM, NULL)) AS bureau_closed_amt_credit_sum_sum, -- Total credit amount over closed bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Closed', AMT_CREDIT_SUM_DEBT, NULL)) AS bureau_closed_amt_credit_sum_debt_max, -- Max current debt over closed bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Closed', AMT_CREDIT_SUM_DEBT, NULL)) AS bureau_closed_amt_credit_sum_debt_mean, -- Mean current debt over closed bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Closed', AMT_CREDIT_SUM_OVERDUE, NULL)) AS bureau_closed_amt_credit_sum_overdue_max, -- Max current amount overdue over closed bureau credits
  MIN(IF(CREDIT_ACTIVE = 'Closed', DAYS_CREDIT_UPDATE, NULL)) AS bureau_closed_days_credit_update_min, -- Min last bureau update day relative to application over closed bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Closed', DAYS_CREDIT_UPDATE, NULL)) AS bureau_closed_days_credit_update_max, -- Max last bureau update day relative to application over closed bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Closed', DAYS_CREDIT_UPDATE, NULL)) AS bureau_closed_days_credit_update_mean, -- Mean last bureau update day relative to application over closed bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Closed', AMT_ANNUITY, NULL)) AS bureau_closed_amt_annuity_max, -- Max annuity over closed bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Closed', AMT_ANNUITY, NULL)) AS bureau_closed_amt_annuity_mean, -- Mean annuity over closed bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Closed', actual_duration, NULL)) AS bureau_closed_actual_duration_mean, -- Mean actual credit duration in days over closed bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Closed', end_delay, NULL)) AS bureau_closed_end_delay_mean, -- Mean days between actual and planned end (negative: closed early) over closed bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Closed', months, NULL)) AS bb_closed_months_mean, -- Mean number of monthly balance records across closed bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Closed', dpd_share, NULL)) AS bb_closed_dpd_share_mean, -- Mean share of months with DPD across closed bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Closed', dpd_share_12m, NULL)) AS bb_closed_12m_dpd_share_mean, -- Mean share of the last 12 months with DPD across closed bureau credits
  MAX(IF(CREDIT_ACTIVE = 'Closed', worst_status, NULL)) AS bb_closed_worst_status_max, -- Max worst monthly DPD status (0-5) across closed bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Closed', status_c_share, NULL)) AS bb_closed_status_c_share_mean, -- Mean share of months with status C (closed) across closed bureau credits
  AVG(IF(CREDIT_ACTIVE = 'Closed', status_x_share, NULL)) AS bb_closed_status_x_share_mean, -- Mean share of months with status X (unknown) across closed bureau credits
  -- Bureau credits opened in the last 12 months
  COUNTIF(DAYS_CREDIT >= -365) AS bureau_12m_count, -- Number of bureau credits opened in the last 12 months
  MAX(IF(DAYS_CREDIT >= -365, CREDIT_DAY_OVERDUE, NULL)) AS bureau_12m_credit_day_overdue_max, -- Max days overdue at application over bureau credits opened in the last 12 months
  AVG(IF(DAYS_CREDIT >= -365, AMT_CREDIT_SUM, NULL)) AS bureau_12m_amt_credit_sum_mean, -- Mean credit amount over bureau credits opened in the last 12 months
  SUM(IF(DAYS_CREDIT >= -365, AMT_CREDIT_SUM, NULL)) AS bureau_12m_amt_credit_sum_sum, -- Total credit amount over bureau credits opened in the last 12 months
  SUM(IF(DAYS_CREDIT >= -365, AMT_CREDIT_SUM_DEBT, NULL)) AS bureau_12m_amt_credit_sum_debt_sum, -- Total current debt over bureau credits opened in the last 12 months
  SUM(IF(DAYS_CREDIT >= -365, AMT_ANNUITY, NULL)) AS bureau_12m_amt_annuity_sum, -- Total annuity over bureau credits opened in the last 12 months
  AVG(IF(DAYS_CREDIT >= -365, DAYS_CREDIT_ENDDATE, NULL)) AS bureau_12m_days_credit_enddate_mean, -- Mean remaining credit duration in days over bureau credits opened in the last 12 months
  SAFE_DIVIDE(SUM(IF(DAYS_CREDIT >= -365, AMT_CREDIT_SUM_DEBT, NULL)), SUM(IF(DAYS_CREDIT >= -365, AMT_CREDIT_SUM, NULL))) AS bureau_12m_total_debt_credit_ratio, -- Total current debt divided by total credit amount over bureau credits opened in the last 12 months
  AVG(CASE WHEN DAYS_CREDIT >= -365 THEN IF(CREDIT_ACTIVE = 'Active', 1, 0) END) AS bureau_12m_active_share, -- Share of bureau credits opened in the last 12 months still active
  AVG(CASE WHEN DAYS_CREDIT >= -365 THEN IF(CREDIT_TYPE = 'Credit card', 1, 0) END) AS bureau_12m_credit_card_share, -- Share of bureau credits opened in the last 12 months that are credit cards
  AVG(CASE WHEN DAYS_CREDIT >= -365 THEN IF(CREDIT_TYPE = 'Microloan', 1, 0) END) AS bureau_12m_microloan_share -- Share of bureau credits opened in the last 12 months that are microloans
FROM credits
GROUP BY SK_ID_CURR
