/**
 * The seven Home Credit tables as the warehouse stores them: one explicit, ordered schema per table,
 * shared by the DuckDB and BigQuery loaders so both warehouses hold identical types.
 *
 * Column kinds: `id` (SK_ID_* keys, BIGINT / INT64), `int` (flags, counts, day offsets: INTEGER / INT64),
 * `float` (amounts, rates, normalised scores: DOUBLE / FLOAT64), `text` (categoricals: VARCHAR / STRING).
 */
import { APPLICATION_COLUMNS } from "../features/application/columns.ts";

export type ColumnKind = "id" | "int" | "float" | "text";
export type Column = readonly [name: string, kind: ColumnKind];

export interface TableSpec {
  /** Table name in the warehouse (Kaggle's file stem, except `applications`, the union of train and test). */
  readonly name: string;
  /** Source files, each found as `<stem>.csv` or `<stem>.csv.gz`; a table may span several (train + test). */
  readonly sources: readonly TableSource[];
  readonly columns: readonly Column[];
}

export interface TableSource {
  /** File stems tried in order; the first that exists is used. */
  readonly stems: readonly string[];
  /** A source may lack some columns (application_test has no TARGET): they load as NULL. */
  readonly optionalColumns?: readonly string[];
  /** A table with several sources needs each one present unless marked optional. */
  readonly optional?: boolean;
}

const columns: Record<string, readonly Column[]> = {
  applications: [
    ["SK_ID_CURR", "id"],
    ["TARGET", "int"],
    ...APPLICATION_COLUMNS.map(({ name, kind }): Column => [name, kind]),
  ],
  bureau: [
    ["SK_ID_CURR", "id"],
    ["SK_ID_BUREAU", "id"],
    ["CREDIT_ACTIVE", "text"],
    ["CREDIT_CURRENCY", "text"],
    ["DAYS_CREDIT", "int"],
    ["CREDIT_DAY_OVERDUE", "int"],
    ["DAYS_CREDIT_ENDDATE", "float"],
    ["DAYS_ENDDATE_FACT", "float"],
    ["AMT_CREDIT_MAX_OVERDUE", "float"],
    ["CNT_CREDIT_PROLONG", "int"],
    ["AMT_CREDIT_SUM", "float"],
    ["AMT_CREDIT_SUM_DEBT", "float"],
    ["AMT_CREDIT_SUM_LIMIT", "float"],
    ["AMT_CREDIT_SUM_OVERDUE", "float"],
    ["CREDIT_TYPE", "text"],
    ["DAYS_CREDIT_UPDATE", "int"],
    ["AMT_ANNUITY", "float"],
  ],
  bureau_balance: [
    ["SK_ID_BUREAU", "id"],
    ["MONTHS_BALANCE", "int"],
    ["STATUS", "text"],
  ],
  previous_application: [
    ["SK_ID_PREV", "id"],
    ["SK_ID_CURR", "id"],
    ["NAME_CONTRACT_TYPE", "text"],
    ["AMT_ANNUITY", "float"],
    ["AMT_APPLICATION", "float"],
    ["AMT_CREDIT", "float"],
    ["AMT_DOWN_PAYMENT", "float"],
    ["AMT_GOODS_PRICE", "float"],
    ["WEEKDAY_APPR_PROCESS_START", "text"],
    ["HOUR_APPR_PROCESS_START", "int"],
    ["FLAG_LAST_APPL_PER_CONTRACT", "text"],
    ["NFLAG_LAST_APPL_IN_DAY", "int"],
    ["RATE_DOWN_PAYMENT", "float"],
    ["RATE_INTEREST_PRIMARY", "float"],
    ["RATE_INTEREST_PRIVILEGED", "float"],
    ["NAME_CASH_LOAN_PURPOSE", "text"],
    ["NAME_CONTRACT_STATUS", "text"],
    ["DAYS_DECISION", "int"],
    ["NAME_PAYMENT_TYPE", "text"],
    ["CODE_REJECT_REASON", "text"],
    ["NAME_TYPE_SUITE", "text"],
    ["NAME_CLIENT_TYPE", "text"],
    ["NAME_GOODS_CATEGORY", "text"],
    ["NAME_PORTFOLIO", "text"],
    ["NAME_PRODUCT_TYPE", "text"],
    ["CHANNEL_TYPE", "text"],
    ["SELLERPLACE_AREA", "int"],
    ["NAME_SELLER_INDUSTRY", "text"],
    ["CNT_PAYMENT", "float"],
    ["NAME_YIELD_GROUP", "text"],
    ["PRODUCT_COMBINATION", "text"],
    ["DAYS_FIRST_DRAWING", "float"],
    ["DAYS_FIRST_DUE", "float"],
    ["DAYS_LAST_DUE_1ST_VERSION", "float"],
    ["DAYS_LAST_DUE", "float"],
    ["DAYS_TERMINATION", "float"],
    ["NFLAG_INSURED_ON_APPROVAL", "float"],
  ],
  POS_CASH_balance: [
    ["SK_ID_PREV", "id"],
    ["SK_ID_CURR", "id"],
    ["MONTHS_BALANCE", "int"],
    ["CNT_INSTALMENT", "float"],
    ["CNT_INSTALMENT_FUTURE", "float"],
    ["NAME_CONTRACT_STATUS", "text"],
    ["SK_DPD", "int"],
    ["SK_DPD_DEF", "int"],
  ],
  credit_card_balance: [
    ["SK_ID_PREV", "id"],
    ["SK_ID_CURR", "id"],
    ["MONTHS_BALANCE", "int"],
    ["AMT_BALANCE", "float"],
    ["AMT_CREDIT_LIMIT_ACTUAL", "float"],
    ["AMT_DRAWINGS_ATM_CURRENT", "float"],
    ["AMT_DRAWINGS_CURRENT", "float"],
    ["AMT_DRAWINGS_OTHER_CURRENT", "float"],
    ["AMT_DRAWINGS_POS_CURRENT", "float"],
    ["AMT_INST_MIN_REGULARITY", "float"],
    ["AMT_PAYMENT_CURRENT", "float"],
    ["AMT_PAYMENT_TOTAL_CURRENT", "float"],
    ["AMT_RECEIVABLE_PRINCIPAL", "float"],
    ["AMT_RECIVABLE", "float"],
    ["AMT_TOTAL_RECEIVABLE", "float"],
    ["CNT_DRAWINGS_ATM_CURRENT", "float"],
    ["CNT_DRAWINGS_CURRENT", "int"],
    ["CNT_DRAWINGS_OTHER_CURRENT", "float"],
    ["CNT_DRAWINGS_POS_CURRENT", "float"],
    ["CNT_INSTALMENT_MATURE_CUM", "float"],
    ["NAME_CONTRACT_STATUS", "text"],
    ["SK_DPD", "int"],
    ["SK_DPD_DEF", "int"],
  ],
  installments_payments: [
    ["SK_ID_PREV", "id"],
    ["SK_ID_CURR", "id"],
    ["NUM_INSTALMENT_VERSION", "float"],
    ["NUM_INSTALMENT_NUMBER", "int"],
    ["DAYS_INSTALMENT", "float"],
    ["DAYS_ENTRY_PAYMENT", "float"],
    ["AMT_INSTALMENT", "float"],
    ["AMT_PAYMENT", "float"],
  ],
};

function table(name: string, sources: readonly TableSource[]): TableSpec {
  const cols = columns[name];
  if (!cols) throw new Error(`no column list for table ${name}`);
  return { name, sources, columns: cols };
}

/** Load order: applications first, then each history table. */
export const TABLES: readonly TableSpec[] = [
  table("applications", [
    { stems: ["application_train"] },
    // Test applicants have no TARGET; the file is optional so a warehouse of labelled rows alone loads.
    {
      stems: ["application_test"],
      optionalColumns: ["TARGET"],
      optional: true,
    },
  ]),
  table("bureau", [{ stems: ["bureau"] }]),
  table("bureau_balance", [{ stems: ["bureau_balance"] }]),
  table("previous_application", [{ stems: ["previous_application"] }]),
  table("POS_CASH_balance", [{ stems: ["POS_CASH_balance"] }]),
  table("credit_card_balance", [{ stems: ["credit_card_balance"] }]),
  // The shipped sample holds only a 200-row head of this table, under its own name.
  table("installments_payments", [{ stems: ["installments_payments", "installments_payments.head"] }]),
];

export function tableSpec(name: string): TableSpec {
  const spec = TABLES.find((t) => t.name === name);
  if (!spec) throw new Error(`unknown table ${name}; known: ${TABLES.map((t) => t.name).join(", ")}`);
  return spec;
}

export const DUCKDB_TYPES: Record<ColumnKind, string> = {
  id: "BIGINT",
  int: "INTEGER",
  float: "DOUBLE",
  text: "VARCHAR",
};

export const BIGQUERY_TYPES: Record<ColumnKind, "INT64" | "FLOAT64" | "STRING"> = {
  id: "INT64",
  int: "INT64",
  float: "FLOAT64",
  text: "STRING",
};
