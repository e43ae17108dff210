import { APPLICATION_COLUMNS } from "../../features/application/columns.ts";
import type { ScoringInput } from "../../scoring/scorer.ts";
import { clientSnapshotSql, recordFromRow } from "../../warehouse/client-snapshot.ts";
import { openSampleWarehouse } from "./sample-warehouse.ts";

export interface SampleClient extends ScoringInput {
  clientId: number;
  target: number | null;
}

/** Every sample client (train and test) as the scorer takes them: application record plus history. */
export async function sampleClients(
  historyNames: readonly string[],
  limit?: number,
): Promise<SampleClient[]> {
  const warehouse = await openSampleWarehouse();
  const clients: SampleClient[] = [];
  const start = 2 + APPLICATION_COLUMNS.length;
  try {
    const sql = clientSnapshotSql(historyNames) + (limit ? ` LIMIT ${limit}` : "");
    for await (const page of warehouse.scan(sql, 4096)) {
      for (const row of page.rows) {
        const history = Float64Array.from(historyNames, (_, i) => {
          const v = row[start + i];
          return typeof v === "number" ? v : Number.NaN;
        });
        clients.push({
          clientId: Number(row[0]),
          target: typeof row[1] === "number" ? row[1] : null,
          application: recordFromRow(row),
          history,
        });
      }
    }
  } finally {
    await warehouse.close();
  }
  return clients;
}
