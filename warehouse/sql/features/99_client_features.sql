-- source: applications
-- The client feature table: every history aggregate joined onto every application, one row per
-- SK_ID_CURR. Clients without history in a table get NULL for that table's features.
SELECT *
FROM (SELECT SK_ID_CURR FROM applications)
LEFT JOIN bureau_features USING (SK_ID_CURR)
LEFT JOIN previous_application_features USING (SK_ID_CURR)
LEFT JOIN pos_cash_features USING (SK_ID_CURR)
LEFT JOIN credit_card_features USING (SK_ID_CURR)
LEFT JOIN installments_features USING (SK_ID_CURR)
