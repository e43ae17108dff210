import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type DuckDBConnection,
  type DuckDBDataChunk,
  DuckDBInstance,
  type DuckDBVector,
} from "@duckdb/node-api";
import { APPLICATION_COLUMNS } from "../../features/application/columns.ts";
import { UserError } from "../../lib/errors.ts";
import { CLIENT_SNAPSHOT_FROM } from "../../warehouse/client-snapshot.ts";
import { type DoubleVector, doubleVectorOf, isValid } from "../../warehouse/duckdb/double-columns.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { FEATURE_REGISTRY_TABLE } from "../../warehouse/feature-registry.ts";
import { readSnapshotMetadata, type SnapshotMetadata } from "./snapshot-metadata.ts";
import type { SnapshotSource } from "./snapshot-source.ts";
import { applicationRecordFrom, type VectorRow, vectorRow } from "./vector-row.ts";

export interface DuckDbSnapshotOptions {
  path: string;
  /** DuckDB's memory_limit for the scan: the hash join of the two wide tables lives in it (spills beyond). */
  memoryLimit: string;
  threads: number;
}

/**
 * The snapshot straight from DuckDB's column buffers. Converting ~700 values per client to JS one by one
 * (Warehouse.scan) takes longer than the whole D1 write; here every numeric column is cast to DOUBLE in SQL
 * and read as a Float64Array over DuckDB's own vector memory (the C API through @duckdb/node-bindings),
 * so a client costs one pass over its values. Text columns go through the vector's string reader.
 */
export async function openDuckDbSnapshot(options: DuckDbSnapshotOptions): Promise<SnapshotSource> {
  // The registry, the operator-facing checks and the fingerprint come through the warehouse as for any
  // source; it closes again so the scan can open the file read-only.
  const warehouse = await DuckDbWarehouse.open({ path: options.path });
  let metadata: SnapshotMetadata;
  try {
    metadata = await readSnapshotMetadata(warehouse);
  } finally {
    await warehouse.close();
  }
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(options.path, {
      access_mode: "READ_ONLY",
      memory_limit: options.memoryLimit,
      threads: String(options.threads),
      // Rows go out in no particular order: DuckDB may then stream the join without buffering for order.
      preserve_insertion_order: "false",
      temp_directory: join(tmpdir(), "credit-edge-duckdb-spill"),
    });
  } catch (error) {
    throw new UserError(`cannot open the DuckDB warehouse at ${options.path}: ${(error as Error).message}`);
  }
  const connection = await instance.connect();
  try {
    await assertSameRegistry(connection, options.path, metadata);
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    throw error;
  }
  return {
    kind: "duckdb",
    location: options.path,
    ...metadata,
    rows: (pageSize) => explainingMemory(scanSnapshot(connection, metadata.historyNames, pageSize), options),
    async close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** DuckDB out of its memory budget mid-scan: say which setting to raise, not DuckDB's generic advice. */
async function* explainingMemory<T>(
  rows: AsyncGenerator<T>,
  options: DuckDbSnapshotOptions,
): AsyncGenerator<T> {
  try {
    yield* rows;
  } catch (error) {
    if (!/Out of Memory Error/.test((error as Error).message)) throw error;
    throw new UserError(
      `DuckDB needs more than its ${options.memoryLimit} to read the snapshot: raise CREDIT_EDGE_SYNC_DUCKDB_MEMORY`,
      1,
      { cause: error },
    );
  }
}

/** Between reading the registry and opening the file again, `credit-edge features` may have run. */
async function assertSameRegistry(connection: DuckDBConnection, path: string, metadata: SnapshotMetadata) {
  const reader = await connection.runAndReadAll(
    `SELECT schema_hash, built_at FROM ${FEATURE_REGISTRY_TABLE} LIMIT 1`,
  );
  const [schemaHash, builtAt] = reader.getRowsJS()[0] ?? [];
  if (schemaHash !== metadata.schemaHash || builtAt !== metadata.featuresAsOf) {
    throw new UserError(`the features in ${path} were rebuilt while the sync started: run it again`);
  }
}

/** The snapshot with every numeric column as DOUBLE: one fast path for DOUBLE, INTEGER, BIGINT, HUGEINT. */
export function duckDbSnapshotSql(historyNames: readonly string[]): string {
  const application = APPLICATION_COLUMNS.map((c) =>
    c.kind === "text" ? `a.${c.name}` : `CAST(a.${c.name} AS DOUBLE)`,
  );
  const history = historyNames.map((n) => `CAST(f.${n} AS DOUBLE)`);
  return `SELECT CAST(a.SK_ID_CURR AS DOUBLE), ${[...application, ...history].join(", ")} FROM ${CLIENT_SNAPSHOT_FROM}`;
}

async function* scanSnapshot(
  connection: DuckDBConnection,
  historyNames: readonly string[],
  pageSize: number,
): AsyncGenerator<VectorRow[]> {
  const result = await connection.stream(duckDbSnapshotSql(historyNames));
  const historyStart = 1 + APPLICATION_COLUMNS.length;
  const width = historyNames.length;
  let history = new Float64Array(0);
  let next: Promise<DuckDBDataChunk | null> | null = result.fetchChunk();
  let page: VectorRow[] = [];
  try {
    for (;;) {
      const chunk: DuckDBDataChunk | null = await next;
      if (!chunk || chunk.rowCount === 0) break;
      // DuckDB produces the next chunk on its threads while this one is encoded.
      next = result.fetchChunk();
      const rows = chunk.rowCount;
      const ids = doubleVectorOf(chunk, 0);
      const application = APPLICATION_COLUMNS.map((c, i) =>
        c.kind === "text" ? chunk.getColumnVector(1 + i) : doubleVectorOf(chunk, 1 + i),
      );
      // Column by column into a row-major matrix (reused across chunks): each column is read in order, once.
      if (history.length < rows * width) history = new Float64Array(rows * width);
      for (let h = 0; h < width; h++) {
        const { values, validity } = doubleVectorOf(chunk, historyStart + h);
        for (let row = 0, at = h; row < rows; row++, at += width) {
          const value = values[row]!;
          // One NaN for missing and NaN alike: payloads differ between engines, and the hash covers bytes.
          history[at] = isValid(validity, row) && !Number.isNaN(value) ? value : Number.NaN;
        }
      }
      for (let row = 0; row < rows; row++) {
        const record = applicationRecordFrom((i) => applicationValue(application[i]!, row));
        page.push(vectorRow(ids.values[row]!, history.subarray(row * width, (row + 1) * width), record));
        if (page.length >= pageSize) {
          yield page;
          page = [];
        }
      }
      // Frees the chunk's string heap now rather than when the GC finalizes the chunk.
      chunk.reset();
    }
    if (page.length > 0) yield page;
  } finally {
    // A consumer that stops early leaves a fetch in flight: let it settle before the connection closes.
    await next?.catch(() => null);
    next = null;
  }
}

function applicationValue(column: DuckDBVector | DoubleVector, row: number): number | string | null {
  if ("values" in column) return isValid(column.validity, row) ? column.values[row]! : null;
  const value = column.getItem(row);
  return typeof value === "string" ? value : null;
}
