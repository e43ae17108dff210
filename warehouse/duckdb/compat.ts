/**
 * What DuckDB needs to run the BigQuery-dialect feature SQL as-is: BigQuery names for the few functions
 * and types the SQL uses that DuckDB spells differently. Applied on every connection; BigQuery has
 * them natively. The SQL rules themselves are in warehouse/sql/README.md.
 */
export const DUCKDB_BIGQUERY_COMPAT: readonly string[] = [
  // BigQuery's x / 0 raises and SAFE_DIVIDE yields NULL; DuckDB's x / 0 yields Infinity. SQL uses SAFE_DIVIDE.
  "CREATE OR REPLACE TEMP MACRO SAFE_DIVIDE(a, b) AS CASE WHEN b = 0 THEN NULL ELSE a / b END",
];

/** Type aliases persist in the database file, so they are created once per file (see DuckDbWarehouse). */
export const DUCKDB_BIGQUERY_TYPES: Record<string, string> = {
  FLOAT64: "DOUBLE",
};
