import { APPLICATION_COLUMNS, type ApplicationRecord } from "../features/application/columns.ts";
import { CLIENT_FEATURES_TABLE } from "./feature-sql.ts";
import type { Value } from "./warehouse.ts";

/**
 * One client as the warehouse holds it: the application joined with its history features. Training reads
 * the labelled ones, sync exports all of them to the online store; both through this one query.
 */

/** The snapshot's rows: each application (`a`) with its history features (`f`). */
export const CLIENT_SNAPSHOT_FROM = `applications a JOIN ${CLIENT_FEATURES_TABLE} f USING (SK_ID_CURR)`;

/**
 * The query that joins each application with its history features, by default in client id order. Unordered
 * is for full exports (sync), where sorting every wide row would cost the warehouse more than the read.
 */
export function clientSnapshotSql(historyNames: readonly string[], where = "", ordered = true): string {
  const app = APPLICATION_COLUMNS.map((c) => `a.${c.name}`).join(", ");
  const history = historyNames.map((n) => `f.${n}`).join(", ");
  return `SELECT a.SK_ID_CURR, a.TARGET, ${app}${history ? `, ${history}` : ""} FROM ${CLIENT_SNAPSHOT_FROM} ${where}${ordered ? " ORDER BY a.SK_ID_CURR" : ""}`;
}

/** Where the history columns start in a `clientSnapshotSql` row (after SK_ID_CURR, TARGET, the application). */
export const SNAPSHOT_HISTORY_OFFSET = 2 + APPLICATION_COLUMNS.length;

/** Turn one snapshot row's application columns into a record (values start after SK_ID_CURR, TARGET). */
export function recordFromRow(row: readonly Value[], offset = 2): ApplicationRecord {
  const record: Record<string, number | string | null> = {};
  for (let c = 0; c < APPLICATION_COLUMNS.length; c++) {
    const v = row[offset + c];
    record[APPLICATION_COLUMNS[c]!.name] = v === undefined || typeof v === "boolean" ? null : v;
  }
  return record;
}
