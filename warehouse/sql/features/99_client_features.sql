-- source: applications, bureau, previous_application, POS_CASH_balance, credit_card_balance, installments_payments
-- The client feature table: every history aggregate joined onto every application, one row per
-- SK_ID_CURR. Clients without history in a table get NULL for that table's features.
SELECT
  *,
  IF(b.SK_ID_CURR IS NULL, 0, 1) + IF(p.SK_ID_CURR IS NULL, 0, 1) + IF(pc.SK_ID_CURR IS NULL, 0, 1)
    + IF(cc.SK_ID_CURR IS NULL, 0, 1) + IF(i.SK_ID_CURR IS NULL, 0, 1) AS hist_sources -- How many of the five history tables hold records of the client (0 for a known client with none)
FROM (SELECT SK_ID_CURR FROM applications)
LEFT JOIN bureau_features AS b USING (SK_ID_CURR)
LEFT JOIN previous_application_features AS p USING (SK_ID_CURR)
LEFT JOIN pos_cash_features AS pc USING (SK_ID_CURR)
LEFT JOIN credit_card_features AS cc USING (SK_ID_CURR)
LEFT JOIN installments_features AS i USING (SK_ID_CURR)
