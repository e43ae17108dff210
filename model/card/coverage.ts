import type { Warehouse } from "../../warehouse/warehouse.ts";
import type { TrainingSet } from "../training/dataset.ts";

/** Per history table: how its rows reach a training client. */
const TABLES = [
  {
    table: "bureau",
    rows: "SELECT COUNT(*), COUNT(DISTINCT SK_ID_CURR) FROM bureau JOIN labelled USING (SK_ID_CURR)",
  },
  {
    table: "bureau_balance",
    rows: "SELECT COUNT(*), COUNT(DISTINCT SK_ID_CURR) FROM bureau_balance JOIN bureau USING (SK_ID_BUREAU) JOIN labelled USING (SK_ID_CURR)",
  },
  {
    table: "previous_application",
    rows: "SELECT COUNT(*), COUNT(DISTINCT SK_ID_CURR) FROM previous_application JOIN labelled USING (SK_ID_CURR)",
  },
  {
    table: "POS_CASH_balance",
    rows: "SELECT COUNT(*), COUNT(DISTINCT SK_ID_CURR) FROM POS_CASH_balance JOIN labelled USING (SK_ID_CURR)",
  },
  {
    table: "credit_card_balance",
    rows: "SELECT COUNT(*), COUNT(DISTINCT SK_ID_CURR) FROM credit_card_balance JOIN labelled USING (SK_ID_CURR)",
  },
  {
    table: "installments_payments",
    rows: "SELECT COUNT(*), COUNT(DISTINCT SK_ID_CURR) FROM installments_payments JOIN labelled USING (SK_ID_CURR)",
  },
] as const;

export interface TableCoverage {
  table: string;
  /** Raw rows of the training clients (before the point-in-time rules). */
  rows: number;
  /** Training clients with at least one raw row in the table. */
  clients: number;
  share: number;
}

export interface TableCounts {
  rows: number;
  clients: number;
}

/** Raw rows and clients per history table for the labelled clients: read from the warehouse at training time. */
export async function tableRowCounts(warehouse: Warehouse): Promise<Record<string, TableCounts>> {
  const counts: Record<string, TableCounts> = {};
  for (const t of TABLES) {
    const page = await warehouse.query(
      `WITH labelled AS (SELECT SK_ID_CURR FROM applications WHERE TARGET IS NOT NULL) ${t.rows}`,
    );
    counts[t.table] = { rows: Number(page.rows[0]?.[0] ?? 0), clients: Number(page.rows[0]?.[1] ?? 0) };
  }
  return counts;
}

/** Per-table coverage of the training data. */
export function tableCoverage(set: TrainingSet, counts: Record<string, TableCounts>): TableCoverage[] {
  return TABLES.map((t) => {
    const c = counts[t.table] ?? { rows: 0, clients: 0 };
    return { table: t.table, rows: c.rows, clients: c.clients, share: c.clients / set.rows };
  });
}
