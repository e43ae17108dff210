-- source: previous_application
-- Previous Home Credit applications per client, aggregated in one pass: the approved / refused /
-- 12-month subsets are masked aggregates (IF(cond, x, NULL)) and the most recent application is picked
-- by a ROW_NUMBER rank. DAYS_* value 365243 means "no date" and is turned into NULL.
-- Point in time (warehouse/sql/README.md): only applications decided before the application day.
WITH previous_application_as_of AS (
  SELECT * FROM previous_application WHERE DAYS_DECISION < 0
),
apps AS (
  SELECT
    *,
    SAFE_DIVIDE(AMT_APPLICATION, AMT_CREDIT) AS app_credit_ratio,
    SAFE_DIVIDE(AMT_CREDIT, AMT_GOODS_PRICE) AS credit_goods_ratio,
    SAFE_DIVIDE(AMT_ANNUITY, AMT_CREDIT) AS annuity_credit_ratio,
    SAFE_DIVIDE(AMT_ANNUITY * CNT_PAYMENT, AMT_CREDIT) AS payback_ratio,
    NULLIF(DAYS_FIRST_DRAWING, 365243) AS first_drawing_day,
    NULLIF(DAYS_FIRST_DUE, 365243) AS first_due_day,
    NULLIF(DAYS_LAST_DUE_1ST_VERSION, 365243) AS last_due_1st_version_day,
    NULLIF(DAYS_LAST_DUE, 365243) AS last_due_day,
    NULLIF(DAYS_TERMINATION, 365243) AS termination_day,
    NULLIF(DAYS_LAST_DUE_1ST_VERSION, 365243) - NULLIF(DAYS_FIRST_DUE, 365243) AS planned_duration,
    NULLIF(DAYS_LAST_DUE, 365243) - NULLIF(DAYS_LAST_DUE_1ST_VERSION, 365243) AS end_shift,
    ROW_NUMBER() OVER (PARTITION BY SK_ID_CURR ORDER BY DAYS_DECISION DESC, SK_ID_PREV DESC) AS recency_rank
  FROM previous_application_as_of
)
SELECT
  SK_ID_CURR,
  -- All previous applications
  COUNT(*) AS prev_count, -- Number of previous Home Credit applications
  MIN(AMT_ANNUITY) AS prev_amt_annuity_min, -- Min annuity over previous applications
  MAX(AMT_ANNUITY) AS prev_amt_annuity_max, -- Max annuity over previous applications
  AVG(AMT_ANNUITY) AS prev_amt_annuity_mean, -- Mean annuity over previous applications
  MIN(AMT_APPLICATION) AS prev_amt_application_min, -- Min amount asked for over previous applications
  MAX(AMT_APPLICATION) AS prev_amt_application_max, -- Max amount asked for over previous applications
  AVG(AMT_APPLICATION) AS prev_amt_application_mean, -- Mean amount asked for over previous applications
  MIN(AMT_CREDIT) AS prev_amt_credit_min, -- Min final credit amount over previous applications
  MAX(AMT_CREDIT) AS prev_amt_credit_max, -- Max final credit amount over previous applications
  AVG(AMT_CREDIT) AS prev_amt_credit_mean, -- Mean final credit amount over previous applications
  SUM(AMT_CREDIT) AS prev_amt_credit_sum, -- Total final credit amount over previous applications
  MIN(AMT_DOWN_PAYMENT) AS prev_amt_down_payment_min, -- Min down payment over previous applications
  MAX(AMT_DOWN_PAYMENT) AS prev_amt_down_payment_max, -- Max down payment over previous applications
  AVG(AMT_DOWN_PAYMENT) AS prev_amt_down_payment_mean, -- Mean down payment over previous applications
  MIN(AMT_GOODS_PRICE) AS prev_amt_goods_price_min, -- Min goods price over previous applications
  MAX(AMT_GOODS_PRICE) AS prev_amt_goods_price_max, -- Max goods price over previous applications
  AVG(AMT_GOODS_PRICE) AS prev_amt_goods_price_mean, -- Mean goods price over previous applications
  MIN(HOUR_APPR_PROCESS_START) AS prev_hour_appr_process_start_min, -- Min application hour of day over previous applications
  MAX(HOUR_APPR_PROCESS_START) AS prev_hour_appr_process_start_max, -- Max application hour of day over previous applications
  AVG(HOUR_APPR_PROCESS_START) AS prev_hour_appr_process_start_mean, -- Mean application hour of day over previous applications
  MIN(RATE_DOWN_PAYMENT) AS prev_rate_down_payment_min, -- Min normalized down payment rate over previous applications
  MAX(RATE_DOWN_PAYMENT) AS prev_rate_down_payment_max, -- Max normalized down payment rate over previous applications
  AVG(RATE_DOWN_PAYMENT) AS prev_rate_down_payment_mean, -- Mean normalized down payment rate over previous applications
  MIN(DAYS_DECISION) AS prev_days_decision_min, -- Min decision day relative to application over previous applications
  MAX(DAYS_DECISION) AS prev_days_decision_max, -- Max decision day relative to application over previous applications
  AVG(DAYS_DECISION) AS prev_days_decision_mean, -- Mean decision day relative to application over previous applications
  MAX(CNT_PAYMENT) AS prev_cnt_payment_max, -- Max term in payments over previous applications
  AVG(CNT_PAYMENT) AS prev_cnt_payment_mean, -- Mean term in payments over previous applications
  SUM(CNT_PAYMENT) AS prev_cnt_payment_sum, -- Total term in payments over previous applications
  MIN(app_credit_ratio) AS prev_app_credit_ratio_min, -- Min asked-to-granted amount ratio over previous applications
  MAX(app_credit_ratio) AS prev_app_credit_ratio_max, -- Max asked-to-granted amount ratio over previous applications
  AVG(app_credit_ratio) AS prev_app_credit_ratio_mean, -- Mean asked-to-granted amount ratio over previous applications
  AVG(credit_goods_ratio) AS prev_credit_goods_ratio_mean, -- Mean credit-to-goods-price ratio over previous applications
  AVG(annuity_credit_ratio) AS prev_annuity_credit_ratio_mean, -- Mean annuity-to-credit ratio over previous applications
  AVG(payback_ratio) AS prev_payback_ratio_mean, -- Mean total payments (annuity x term) to credit ratio over previous applications
  MIN(first_drawing_day) AS prev_days_first_drawing_min, -- Min first disbursement day relative to application over previous applications
  MAX(first_drawing_day) AS prev_days_first_drawing_max, -- Max first disbursement day relative to application over previous applications
  AVG(first_drawing_day) AS prev_days_first_drawing_mean, -- Mean first disbursement day relative to application over previous applications
  MIN(first_due_day) AS prev_days_first_due_min, -- Min first due day relative to application over previous applications
  MAX(first_due_day) AS prev_days_first_due_max, -- Max first due day relative to application over previous applications
  AVG(first_due_day) AS prev_days_first_due_mean, -- Mean first due day relative to application over previous applications
  MIN(last_due_1st_version_day) AS prev_days_last_due_1st_version_min, -- Min originally planned last due day relative to application over previous applications
  MAX(last_due_1st_version_day) AS prev_days_last_due_1st_version_max, -- Max originally planned last due day relative to application over previous applications
  AVG(last_due_1st_version_day) AS prev_days_last_due_1st_version_mean, -- Mean originally planned last due day relative to application over previous applications
  MIN(last_due_day) AS prev_days_last_due_min, -- Min last due day relative to application over previous applications
  MAX(last_due_day) AS prev_days_last_due_max, -- Max last due day relative to application over previous applications
  AVG(last_due_day) AS prev_days_last_due_mean, -- Mean last due day relative to application over previous applications
  MIN(termination_day) AS prev_days_termination_min, -- Min expected termination day relative to application over previous applications
  MAX(termination_day) AS prev_days_termination_max, -- Max expected termination day relative to application over previous applications
  AVG(termination_day) AS prev_days_termination_mean, -- Mean expected termination day relative to application over previous applications
  AVG(NFLAG_INSURED_ON_APPROVAL) AS prev_nflag_insured_on_approval_mean, -- Share of previous applications where insurance was requested
  AVG(IF(FLAG_LAST_APPL_PER_CONTRACT = 'N', 1, 0)) AS prev_flag_last_appl_per_contract_n_share, -- Share of previous applications superseded by a later application for the same contract
  -- Categorical shares (XNA / XAP are missing markers: excluded from the denominator where noted)
  AVG(IF(NAME_CONTRACT_STATUS = 'Approved', 1, 0)) AS prev_name_contract_status_approved_share, -- Share of previous applications approved
  AVG(IF(NAME_CONTRACT_STATUS = 'Refused', 1, 0)) AS prev_name_contract_status_refused_share, -- Share of previous applications refused
  AVG(IF(NAME_CONTRACT_STATUS = 'Canceled', 1, 0)) AS prev_name_contract_status_canceled_share, -- Share of previous applications canceled
  AVG(IF(NAME_CONTRACT_STATUS = 'Unused offer', 1, 0)) AS prev_name_contract_status_unused_offer_share, -- Share of previous applications ending in an unused offer
  AVG(IF(NAME_CONTRACT_TYPE = 'Cash loans', 1, 0)) AS prev_name_contract_type_cash_share, -- Share of previous applications for cash loans
  AVG(IF(NAME_CONTRACT_TYPE = 'Consumer loans', 1, 0)) AS prev_name_contract_type_consumer_share, -- Share of previous applications for consumer (POS) loans
  AVG(IF(NAME_CONTRACT_TYPE = 'Revolving loans', 1, 0)) AS prev_name_contract_type_revolving_share, -- Share of previous applications for revolving loans
  AVG(CASE WHEN NAME_YIELD_GROUP <> 'XNA' THEN IF(NAME_YIELD_GROUP = 'high', 1, 0) END) AS prev_name_yield_group_high_share, -- Share of previous applications in the high interest-rate group, among those with a known yield group
  AVG(CASE WHEN NAME_YIELD_GROUP <> 'XNA' THEN IF(NAME_YIELD_GROUP = 'middle', 1, 0) END) AS prev_name_yield_group_middle_share, -- Share of previous applications in the middle interest-rate group, among those with a known yield group
  AVG(CASE WHEN NAME_YIELD_GROUP <> 'XNA' THEN IF(NAME_YIELD_GROUP = 'low_normal', 1, 0) END) AS prev_name_yield_group_low_normal_share, -- Share of previous applications in the low-normal interest-rate group, among those with a known yield group
  AVG(CASE WHEN NAME_YIELD_GROUP <> 'XNA' THEN IF(NAME_YIELD_GROUP = 'low_action', 1, 0) END) AS prev_name_yield_group_low_action_share, -- Share of previous applications in the low-action interest-rate group, among those with a known yield group
  AVG(CASE WHEN NAME_CLIENT_TYPE <> 'XNA' THEN IF(NAME_CLIENT_TYPE = 'New', 1, 0) END) AS prev_name_client_type_new_share, -- Share of previous applications made by a new client, among those with a known client type
  AVG(CASE WHEN NAME_CLIENT_TYPE <> 'XNA' THEN IF(NAME_CLIENT_TYPE = 'Repeater', 1, 0) END) AS prev_name_client_type_repeater_share, -- Share of previous applications made by a repeat client, among those with a known client type
  AVG(CASE WHEN NAME_CLIENT_TYPE <> 'XNA' THEN IF(NAME_CLIENT_TYPE = 'Refreshed', 1, 0) END) AS prev_name_client_type_refreshed_share, -- Share of previous applications made by a returning (refreshed) client, among those with a known client type
  AVG(IF(CODE_REJECT_REASON = 'HC', 1, 0)) AS prev_code_reject_reason_hc_share, -- Share of previous applications rejected with reason HC
  AVG(IF(CODE_REJECT_REASON = 'LIMIT', 1, 0)) AS prev_code_reject_reason_limit_share, -- Share of previous applications rejected with reason LIMIT
  AVG(IF(CODE_REJECT_REASON = 'SCO', 1, 0)) AS prev_code_reject_reason_sco_share, -- Share of previous applications rejected with reason SCO
  AVG(IF(CODE_REJECT_REASON = 'SCOFR', 1, 0)) AS prev_code_reject_reason_scofr_share, -- Share of previous applications rejected with reason SCOFR
  AVG(IF(CODE_REJECT_REASON = 'CLIENT', 1, 0)) AS prev_code_reject_reason_client_share, -- Share of previous applications rejected by the client (reason CLIENT)
  AVG(IF(CODE_REJECT_REASON IN ('VERIF', 'SYSTEM', 'XNA'), 1, 0)) AS prev_code_reject_reason_other_share, -- Share of previous applications rejected with reason VERIF, SYSTEM or unknown
  AVG(CASE WHEN NAME_PORTFOLIO <> 'XNA' THEN IF(NAME_PORTFOLIO = 'POS', 1, 0) END) AS prev_name_portfolio_pos_share, -- Share of previous applications in the POS portfolio, among those with a known portfolio
  AVG(CASE WHEN NAME_PORTFOLIO <> 'XNA' THEN IF(NAME_PORTFOLIO = 'Cash', 1, 0) END) AS prev_name_portfolio_cash_share, -- Share of previous applications in the cash portfolio, among those with a known portfolio
  AVG(CASE WHEN NAME_PORTFOLIO <> 'XNA' THEN IF(NAME_PORTFOLIO = 'Cards', 1, 0) END) AS prev_name_portfolio_cards_share, -- Share of previous applications in the cards portfolio, among those with a known portfolio
  AVG(CASE WHEN NAME_PORTFOLIO <> 'XNA' THEN IF(NAME_PORTFOLIO = 'Cars', 1, 0) END) AS prev_name_portfolio_cars_share, -- Share of previous applications in the cars portfolio, among those with a known portfolio
  AVG(IF(CHANNEL_TYPE = 'Credit and cash offices', 1, 0)) AS prev_channel_type_credit_and_cash_offices_share, -- Share of previous applications made through credit and cash offices
  AVG(IF(CHANNEL_TYPE = 'Country-wide', 1, 0)) AS prev_channel_type_country_wide_share, -- Share of previous applications made through the country-wide channel
  AVG(IF(CHANNEL_TYPE = 'Stone', 1, 0)) AS prev_channel_type_stone_share, -- Share of previous applications made through the Stone channel
  AVG(IF(CHANNEL_TYPE = 'Regional / Local', 1, 0)) AS prev_channel_type_regional_local_share, -- Share of previous applications made through a regional or local channel
  AVG(IF(CHANNEL_TYPE = 'Contact center', 1, 0)) AS prev_channel_type_contact_center_share, -- Share of previous applications made through the contact center
  AVG(IF(CHANNEL_TYPE = 'AP+ (Cash loan)', 1, 0)) AS prev_channel_type_ap_cash_loan_share, -- Share of previous applications made through the AP+ (cash loan) channel
  AVG(IF(CHANNEL_TYPE = 'Channel of corporate sales', 1, 0)) AS prev_channel_type_corporate_sales_share, -- Share of previous applications made through corporate sales
  AVG(IF(CHANNEL_TYPE = 'Car dealer', 1, 0)) AS prev_channel_type_car_dealer_share, -- Share of previous applications made through a car dealer
  AVG(CASE WHEN NAME_PRODUCT_TYPE <> 'XNA' THEN IF(NAME_PRODUCT_TYPE = 'walk-in', 1, 0) END) AS prev_name_product_type_walk_in_share, -- Share of previous applications that were walk-in (not x-sell), among those with a known product type
  AVG(IF(PRODUCT_COMBINATION = 'Cash', 1, 0)) AS prev_product_combination_cash_share, -- Share of previous applications for the plain Cash product
  AVG(IF(PRODUCT_COMBINATION = 'Cash X-Sell: low', 1, 0)) AS prev_product_combination_cash_x_sell_low_share, -- Share of previous applications for Cash X-Sell: low
  AVG(IF(PRODUCT_COMBINATION = 'Cash X-Sell: middle', 1, 0)) AS prev_product_combination_cash_x_sell_middle_share, -- Share of previous applications for Cash X-Sell: middle
  AVG(IF(PRODUCT_COMBINATION = 'Cash X-Sell: high', 1, 0)) AS prev_product_combination_cash_x_sell_high_share, -- Share of previous applications for Cash X-Sell: high
  AVG(IF(PRODUCT_COMBINATION = 'Cash Street: low', 1, 0)) AS prev_product_combination_cash_street_low_share, -- Share of previous applications for Cash Street: low
  AVG(IF(PRODUCT_COMBINATION = 'Cash Street: middle', 1, 0)) AS prev_product_combination_cash_street_middle_share, -- Share of previous applications for Cash Street: middle
  AVG(IF(PRODUCT_COMBINATION = 'Cash Street: high', 1, 0)) AS prev_product_combination_cash_street_high_share, -- Share of previous applications for Cash Street: high
  AVG(IF(PRODUCT_COMBINATION = 'Card Street', 1, 0)) AS prev_product_combination_card_street_share, -- Share of previous applications for Card Street
  AVG(IF(PRODUCT_COMBINATION = 'Card X-Sell', 1, 0)) AS prev_product_combination_card_x_sell_share, -- Share of previous applications for Card X-Sell
  AVG(IF(PRODUCT_COMBINATION = 'POS household with interest', 1, 0)) AS prev_product_combination_pos_household_with_interest_share, -- Share of previous applications for POS household with interest
  AVG(IF(PRODUCT_COMBINATION = 'POS mobile with interest', 1, 0)) AS prev_product_combination_pos_mobile_with_interest_share, -- Share of previous applications for POS mobile with interest
  AVG(IF(PRODUCT_COMBINATION = 'POS industry with interest', 1, 0)) AS prev_product_combination_pos_industry_with_interest_share, -- Share of previous applications for POS industry with interest
  AVG(IF(PRODUCT_COMBINATION IN ('POS household without interest', 'POS mobile without interest', 'POS industry without interest', 'POS others without interest'), 1, 0)) AS prev_product_combination_pos_without_interest_share, -- Share of previous applications for interest-free POS products
  -- Approved previous applications
  COUNTIF(NAME_CONTRACT_STATUS = 'Approved') AS prev_approved_count, -- Number of approved previous applications
  MIN(IF(NAME_CONTRACT_STATUS = 'Approved', AMT_ANNUITY, NULL)) AS prev_approved_amt_annuity_min, -- Min annuity over approved previous applications
  MAX(IF(NAME_CONTRACT_STATUS = 'Approved', AMT_ANNUITY, NULL)) AS prev_approved_amt_annuity_max, -- Max annuity over approved previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Approved', AMT_ANNUITY, NULL)) AS prev_approved_amt_annuity_mean, -- Mean annuity over approved previous applications
  MAX(IF(NAME_CONTRACT_STATUS = 'Approved', AMT_APPLICATION, NULL)) AS prev_approved_amt_application_max, -- Max amount asked for over approved previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Approved', AMT_APPLICATION, NULL)) AS prev_approved_amt_application_mean, -- Mean amount asked for over approved previous applications
  MIN(IF(NAME_CONTRACT_STATUS = 'Approved', AMT_CREDIT, NULL)) AS prev_approved_amt_credit_min, -- Min final credit amount over approved previous applications
  MAX(IF(NAME_CONTRACT_STATUS = 'Approved', AMT_CREDIT, NULL)) AS prev_approved_amt_credit_max, -- Max final credit amount over approved previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Approved', AMT_CREDIT, NULL)) AS prev_approved_amt_credit_mean, -- Mean final credit amount over approved previous applications
  SUM(IF(NAME_CONTRACT_STATUS = 'Approved', AMT_CREDIT, NULL)) AS prev_approved_amt_credit_sum, -- Total final credit amount over approved previous applications
  MAX(IF(NAME_CONTRACT_STATUS = 'Approved', AMT_DOWN_PAYMENT, NULL)) AS prev_approved_amt_down_payment_max, -- Max down payment over approved previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Approved', AMT_DOWN_PAYMENT, NULL)) AS prev_approved_amt_down_payment_mean, -- Mean down payment over approved previous applications
  MAX(IF(NAME_CONTRACT_STATUS = 'Approved', AMT_GOODS_PRICE, NULL)) AS prev_approved_amt_goods_price_max, -- Max goods price over approved previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Approved', AMT_GOODS_PRICE, NULL)) AS prev_approved_amt_goods_price_mean, -- Mean goods price over approved previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Approved', RATE_DOWN_PAYMENT, NULL)) AS prev_approved_rate_down_payment_mean, -- Mean normalized down payment rate over approved previous applications
  MIN(IF(NAME_CONTRACT_STATUS = 'Approved', DAYS_DECISION, NULL)) AS prev_approved_days_decision_min, -- Min decision day relative to application over approved previous applications
  MAX(IF(NAME_CONTRACT_STATUS = 'Approved', DAYS_DECISION, NULL)) AS prev_approved_days_decision_max, -- Max decision day relative to application over approved previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Approved', DAYS_DECISION, NULL)) AS prev_approved_days_decision_mean, -- Mean decision day relative to application over approved previous applications
  MAX(IF(NAME_CONTRACT_STATUS = 'Approved', CNT_PAYMENT, NULL)) AS prev_approved_cnt_payment_max, -- Max term in payments over approved previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Approved', CNT_PAYMENT, NULL)) AS prev_approved_cnt_payment_mean, -- Mean term in payments over approved previous applications
  SUM(IF(NAME_CONTRACT_STATUS = 'Approved', CNT_PAYMENT, NULL)) AS prev_approved_cnt_payment_sum, -- Total term in payments over approved previous applications
  MIN(IF(NAME_CONTRACT_STATUS = 'Approved', app_credit_ratio, NULL)) AS prev_approved_app_credit_ratio_min, -- Min asked-to-granted amount ratio over approved previous applications
  MAX(IF(NAME_CONTRACT_STATUS = 'Approved', app_credit_ratio, NULL)) AS prev_approved_app_credit_ratio_max, -- Max asked-to-granted amount ratio over approved previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Approved', app_credit_ratio, NULL)) AS prev_approved_app_credit_ratio_mean, -- Mean asked-to-granted amount ratio over approved previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Approved', payback_ratio, NULL)) AS prev_approved_payback_ratio_mean, -- Mean total payments (annuity x term) to credit ratio over approved previous applications
  MIN(IF(NAME_CONTRACT_STATUS = 'Approved', first_due_day, NULL)) AS prev_approved_days_first_due_min, -- Min first due day relative to application over approved previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Approved', first_due_day, NULL)) AS prev_approved_days_first_due_mean, -- Mean first due day relative to application over approved previous applications
  MIN(IF(NAME_CONTRACT_STATUS = 'Approved', last_due_1st_version_day, NULL)) AS prev_approved_days_last_due_1st_version_min, -- Min originally planned last due day relative to application over approved previous applications
  MAX(IF(NAME_CONTRACT_STATUS = 'Approved', last_due_1st_version_day, NULL)) AS prev_approved_days_last_due_1st_version_max, -- Max originally planned last due day relative to application over approved previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Approved', last_due_1st_version_day, NULL)) AS prev_approved_days_last_due_1st_version_mean, -- Mean originally planned last due day relative to application over approved previous applications
  MAX(IF(NAME_CONTRACT_STATUS = 'Approved', last_due_day, NULL)) AS prev_approved_days_last_due_max, -- Max last due day relative to application over approved previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Approved', last_due_day, NULL)) AS prev_approved_days_last_due_mean, -- Mean last due day relative to application over approved previous applications
  MAX(IF(NAME_CONTRACT_STATUS = 'Approved', termination_day, NULL)) AS prev_approved_days_termination_max, -- Max expected termination day relative to application over approved previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Approved', termination_day, NULL)) AS prev_approved_days_termination_mean, -- Mean expected termination day relative to application over approved previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Approved', planned_duration, NULL)) AS prev_approved_planned_duration_mean, -- Mean planned duration in days (first to planned last due) over approved previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Approved', end_shift, NULL)) AS prev_approved_end_shift_mean, -- Mean days between actual and planned last due (negative: ended early) over approved previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Approved', NFLAG_INSURED_ON_APPROVAL, NULL)) AS prev_approved_nflag_insured_on_approval_mean, -- Mean insurance-requested flag over approved previous applications
  AVG(CASE WHEN NAME_CONTRACT_STATUS = 'Approved' THEN IF(DAYS_LAST_DUE = 365243, 1, 0) END) AS prev_approved_ongoing_share, -- Share of approved previous applications still ongoing (no last due date yet)
  SUM(IF(NAME_CONTRACT_STATUS = 'Approved' AND DAYS_LAST_DUE = 365243, AMT_ANNUITY, NULL)) AS prev_approved_ongoing_amt_annuity_sum, -- Total annuity of approved previous credits still ongoing
  COUNTIF(NAME_CONTRACT_STATUS = 'Approved' AND last_due_1st_version_day > 0) AS prev_approved_planned_future_end_count, -- Number of approved previous credits originally planned to end after the application
  -- Refused previous applications
  COUNTIF(NAME_CONTRACT_STATUS = 'Refused') AS prev_refused_count, -- Number of refused previous applications
  MAX(IF(NAME_CONTRACT_STATUS = 'Refused', AMT_ANNUITY, NULL)) AS prev_refused_amt_annuity_max, -- Max annuity over refused previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Refused', AMT_ANNUITY, NULL)) AS prev_refused_amt_annuity_mean, -- Mean annuity over refused previous applications
  MIN(IF(NAME_CONTRACT_STATUS = 'Refused', AMT_APPLICATION, NULL)) AS prev_refused_amt_application_min, -- Min amount asked for over refused previous applications
  MAX(IF(NAME_CONTRACT_STATUS = 'Refused', AMT_APPLICATION, NULL)) AS prev_refused_amt_application_max, -- Max amount asked for over refused previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Refused', AMT_APPLICATION, NULL)) AS prev_refused_amt_application_mean, -- Mean amount asked for over refused previous applications
  MAX(IF(NAME_CONTRACT_STATUS = 'Refused', AMT_CREDIT, NULL)) AS prev_refused_amt_credit_max, -- Max final credit amount over refused previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Refused', AMT_CREDIT, NULL)) AS prev_refused_amt_credit_mean, -- Mean final credit amount over refused previous applications
  SUM(IF(NAME_CONTRACT_STATUS = 'Refused', AMT_CREDIT, NULL)) AS prev_refused_amt_credit_sum, -- Total final credit amount over refused previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Refused', AMT_GOODS_PRICE, NULL)) AS prev_refused_amt_goods_price_mean, -- Mean goods price over refused previous applications
  MIN(IF(NAME_CONTRACT_STATUS = 'Refused', DAYS_DECISION, NULL)) AS prev_refused_days_decision_min, -- Min decision day relative to application over refused previous applications
  MAX(IF(NAME_CONTRACT_STATUS = 'Refused', DAYS_DECISION, NULL)) AS prev_refused_days_decision_max, -- Max decision day relative to application over refused previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Refused', DAYS_DECISION, NULL)) AS prev_refused_days_decision_mean, -- Mean decision day relative to application over refused previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Refused', CNT_PAYMENT, NULL)) AS prev_refused_cnt_payment_mean, -- Mean term in payments over refused previous applications
  MAX(IF(NAME_CONTRACT_STATUS = 'Refused', app_credit_ratio, NULL)) AS prev_refused_app_credit_ratio_max, -- Max asked-to-granted amount ratio over refused previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Refused', app_credit_ratio, NULL)) AS prev_refused_app_credit_ratio_mean, -- Mean asked-to-granted amount ratio over refused previous applications
  AVG(IF(NAME_CONTRACT_STATUS = 'Refused', HOUR_APPR_PROCESS_START, NULL)) AS prev_refused_hour_appr_process_start_mean, -- Mean application hour of day over refused previous applications
  -- Previous applications decided in the last 12 months
  COUNTIF(DAYS_DECISION >= -365) AS prev_12m_count, -- Number of previous applications decided in the last 12 months
  COUNTIF(DAYS_DECISION >= -365 AND NAME_CONTRACT_STATUS = 'Approved') AS prev_12m_approved_count, -- Number of previous applications approved in the last 12 months
  COUNTIF(DAYS_DECISION >= -365 AND NAME_CONTRACT_STATUS = 'Refused') AS prev_12m_refused_count, -- Number of previous applications refused in the last 12 months
  AVG(CASE WHEN DAYS_DECISION >= -365 THEN IF(NAME_CONTRACT_STATUS = 'Refused', 1, 0) END) AS prev_12m_refused_share, -- Share of previous applications decided in the last 12 months that were refused
  AVG(IF(DAYS_DECISION >= -365, AMT_ANNUITY, NULL)) AS prev_12m_amt_annuity_mean, -- Mean annuity over previous applications decided in the last 12 months
  AVG(IF(DAYS_DECISION >= -365, AMT_APPLICATION, NULL)) AS prev_12m_amt_application_mean, -- Mean amount asked for over previous applications decided in the last 12 months
  AVG(IF(DAYS_DECISION >= -365, AMT_CREDIT, NULL)) AS prev_12m_amt_credit_mean, -- Mean final credit amount over previous applications decided in the last 12 months
  SUM(IF(DAYS_DECISION >= -365, AMT_CREDIT, NULL)) AS prev_12m_amt_credit_sum, -- Total final credit amount over previous applications decided in the last 12 months
  AVG(IF(DAYS_DECISION >= -365, CNT_PAYMENT, NULL)) AS prev_12m_cnt_payment_mean, -- Mean term in payments over previous applications decided in the last 12 months
  AVG(IF(DAYS_DECISION >= -365, app_credit_ratio, NULL)) AS prev_12m_app_credit_ratio_mean, -- Mean asked-to-granted amount ratio over previous applications decided in the last 12 months
  -- Most recent previous application
  MAX(IF(recency_rank = 1, DAYS_DECISION, NULL)) AS prev_last_days_decision, -- Decision day of the most recent previous application
  MAX(IF(recency_rank = 1, AMT_ANNUITY, NULL)) AS prev_last_amt_annuity, -- Annuity of the most recent previous application
  MAX(IF(recency_rank = 1, AMT_APPLICATION, NULL)) AS prev_last_amt_application, -- Amount asked for on the most recent previous application
  MAX(IF(recency_rank = 1, AMT_CREDIT, NULL)) AS prev_last_amt_credit, -- Final credit amount of the most recent previous application
  MAX(IF(recency_rank = 1, AMT_DOWN_PAYMENT, NULL)) AS prev_last_amt_down_payment, -- Down payment on the most recent previous application
  MAX(IF(recency_rank = 1, CNT_PAYMENT, NULL)) AS prev_last_cnt_payment, -- Term in payments of the most recent previous application
  MAX(IF(recency_rank = 1, app_credit_ratio, NULL)) AS prev_last_app_credit_ratio, -- Asked-to-granted amount ratio of the most recent previous application
  MAX(IF(recency_rank = 1, IF(NAME_CONTRACT_STATUS = 'Approved', 1, 0), NULL)) AS prev_last_approved, -- 1 if the most recent previous application was approved
  MAX(IF(recency_rank = 1, IF(NAME_CONTRACT_STATUS = 'Refused', 1, 0), NULL)) AS prev_last_refused, -- 1 if the most recent previous application was refused
  MAX(IF(recency_rank = 1, IF(NAME_CONTRACT_TYPE = 'Cash loans', 1, 0), NULL)) AS prev_last_cash_loan, -- 1 if the most recent previous application was for a cash loan
  MAX(IF(recency_rank = 1, IF(NAME_CONTRACT_TYPE = 'Revolving loans', 1, 0), NULL)) AS prev_last_revolving_loan, -- 1 if the most recent previous application was for a revolving loan
  MAX(IF(recency_rank = 1, IF(NAME_YIELD_GROUP = 'high', 1, 0), NULL)) AS prev_last_yield_high -- 1 if the most recent previous application was in the high interest-rate group
FROM apps
GROUP BY SK_ID_CURR
