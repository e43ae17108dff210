import type { Warehouse } from "../../warehouse/warehouse.ts";
import type { TrainingSet } from "../training/dataset.ts";

/** Per history table: its feature prefix and how its rows reach a training client. */
const TABLES = [
  {
    table: "bureau",
    prefix: "bureau_",
    rows: "SELECT COUNT(*) FROM bureau JOIN labelled USING (SK_ID_CURR)",
  },
  {
    table: "bureau_balance",
    prefix: "bb_",
    rows: "SELECT COUNT(*) FROM bureau_balance JOIN bureau USING (SK_ID_BUREAU) JOIN labelled USING (SK_ID_CURR)",
  },
  {
    table: "previous_application",
    prefix: "prev_",
    rows: "SELECT COUNT(*) FROM previous_application JOIN labelled USING (SK_ID_CURR)",
  },
  {
    table: "POS_CASH_balance",
    prefix: "pos_",
    rows: "SELECT COUNT(*) FROM POS_CASH_balance JOIN labelled USING (SK_ID_CURR)",
  },
  {
    table: "credit_card_balance",
    prefix: "cc_",
    rows: "SELECT COUNT(*) FROM credit_card_balance JOIN labelled USING (SK_ID_CURR)",
  },
  {
    table: "installments_payments",
    prefix: "inst_",
    rows: "SELECT COUNT(*) FROM installments_payments JOIN labelled USING (SK_ID_CURR)",
  },
] as const;

export interface TableCoverage {
  table: string;
  /** Raw rows of the training clients (before the point-in-time rules). */
  rows: number;
  /** Training clients with at least one of the table's features present (records left by the rules). */
  clients: number;
  share: number;
}

/** Raw row counts per history table for the labelled clients: read from the warehouse at training time. */
export async function tableRowCounts(warehouse: Warehouse): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of TABLES) {
    const page = await warehouse.query(
      `WITH labelled AS (SELECT SK_ID_CURR FROM applications WHERE TARGET IS NOT NULL) ${t.rows}`,
    );
    counts[t.table] = Number(page.rows[0]?.[0] ?? 0);
  }
  return counts;
}

/** Per-table coverage of the training data: raw rows and the clients whose features the table fills. */
export function tableCoverage(set: TrainingSet, rowCounts: Record<string, number>): TableCoverage[] {
  const width = set.features.length;
  return TABLES.map((t) => {
    const columns = set.features.flatMap((f, i) => (f.name.startsWith(t.prefix) ? [i] : []));
    let clients = 0;
    for (let r = 0; r < set.rows; r++)
      if (columns.some((c) => !Number.isNaN(set.X[r * width + c]!))) clients++;
    return { table: t.table, rows: rowCounts[t.table] ?? 0, clients, share: clients / set.rows };
  });
}
