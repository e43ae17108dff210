import { APPLICATION_COLUMNS } from "../../features/application/columns.ts";
import { clientSnapshotSql, SNAPSHOT_HISTORY_OFFSET } from "../../warehouse/client-snapshot.ts";
import type { Value, Warehouse } from "../../warehouse/warehouse.ts";
import { readSnapshotMetadata } from "./snapshot-metadata.ts";
import type { SnapshotSource } from "./snapshot-source.ts";
import { applicationRecordFrom, type VectorRow, vectorRow } from "./vector-row.ts";

/** Where the application columns start in a clientSnapshotSql row (after SK_ID_CURR, TARGET). */
const APPLICATION_OFFSET = SNAPSHOT_HISTORY_OFFSET - APPLICATION_COLUMNS.length;

/** A client id as the warehouse returns it; ids are integers below 2^53 (see warehouse.ts). */
export function clientIdOf(value: Value | undefined): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new Error(`the snapshot returned a client id that is not an integer: ${String(value)}`);
  }
  return value;
}

/** A history cell as a float: NULL is missing (NaN); anything but a number means the column is not numeric. */
export function historyValueOf(value: Value | undefined, name: string): number {
  if (value === null || value === undefined) return Number.NaN;
  if (typeof value !== "number") {
    throw new Error(
      `history feature ${name} returned ${typeof value} ${JSON.stringify(value)}, not a number`,
    );
  }
  // One NaN for every source: NaN payloads differ between engines, and the row hash covers the bytes.
  return Number.isNaN(value) ? Number.NaN : value;
}

/**
 * The snapshot through the Warehouse interface's paged scan: what BigQuery uses (a query job read page by
 * page with getQueryResults), and any warehouse without a faster path.
 */
export async function openWarehouseSnapshot(warehouse: Warehouse): Promise<SnapshotSource> {
  const metadata = await readSnapshotMetadata(warehouse);
  const { historyNames } = metadata;
  return {
    kind: warehouse.kind,
    location: warehouse.location,
    ...metadata,
    async *rows(pageSize) {
      const history = new Float64Array(historyNames.length);
      for await (const page of warehouse.scan(clientSnapshotSql(historyNames, "", false), pageSize)) {
        const rows: VectorRow[] = page.rows.map((row) => {
          for (let h = 0; h < historyNames.length; h++) {
            history[h] = historyValueOf(row[SNAPSHOT_HISTORY_OFFSET + h], historyNames[h]!);
          }
          const application = applicationRecordFrom((i) => row[APPLICATION_OFFSET + i]);
          return vectorRow(clientIdOf(row[0]), history, application);
        });
        yield rows;
      }
    },
    close: () => warehouse.close(),
  };
}
