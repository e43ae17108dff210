import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, type DuckDBDataChunk, DuckDBInstance } from "@duckdb/node-api";
import duckdb from "@duckdb/node-bindings";
import { VOCABULARIES } from "../../features/application/vocabularies.ts";
import { UserError } from "../../lib/errors.ts";
import { STORED_APPLICATION_COLUMNS } from "../../online-store/application-layout.ts";
import { CLIENT_SNAPSHOT_FROM } from "../../warehouse/client-snapshot.ts";
import { doubleVectorOf, isValid } from "../../warehouse/duckdb/double-columns.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { FEATURE_REGISTRY_TABLE } from "../../warehouse/feature-registry.ts";
import { readSnapshotMetadata, type SnapshotMetadata } from "./snapshot-metadata.ts";
import type { SnapshotSource } from "./snapshot-source.ts";
import { storedVectorRow, type VectorRow } from "./vector-row.ts";

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

/** SQL string literal. */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * The snapshot as the scan reads it, with the work that parallelises done by DuckDB on its threads:
 * - the client id, then per stored application column (STORED_APPLICATION_COLUMNS) either its value as
 *   DOUBLE (numbers), or two columns (text): its 1-based position in the column's vocabulary as DOUBLE, and
 *   the string itself only when it is not a vocabulary value (so nearly no string crosses into JS);
 * - the history features as one DOUBLE[H] array, NULL as NaN: its child vector is the chunk's row-major
 *   history matrix, read in place instead of transposed value by value.
 */
export function duckDbSnapshotSql(historyNames: readonly string[]): string {
  const application = STORED_APPLICATION_COLUMNS.flatMap((c) => {
    if (c.kind !== "text") return [`CAST(a.${c.name} AS DOUBLE)`];
    const text = `CAST(a.${c.name} AS VARCHAR)`;
    const vocabulary = VOCABULARIES[c.name] ?? [];
    if (vocabulary.length === 0) return ["CAST(NULL AS DOUBLE)", text];
    const position = `list_position([${vocabulary.map(literal).join(", ")}], ${text})`;
    return [`CAST(${position} AS DOUBLE)`, `CASE WHEN ${position} IS NULL THEN ${text} END`];
  });
  const history =
    historyNames.length === 0
      ? []
      : [
          `[${historyNames.map((n) => `COALESCE(CAST(f.${n} AS DOUBLE), 'NaN'::DOUBLE)`).join(", ")}]::DOUBLE[${historyNames.length}]`,
        ];
  return `SELECT CAST(a.SK_ID_CURR AS DOUBLE), ${[...application, ...history].join(", ")} FROM ${CLIENT_SNAPSHOT_FROM}`;
}

/** A stored application column's reader over one chunk. */
type ColumnReader = (row: number) => number | string | null;

function applicationReaders(chunk: DuckDBDataChunk): ColumnReader[] {
  let at = 1;
  return STORED_APPLICATION_COLUMNS.map((c): ColumnReader => {
    if (c.kind !== "text") {
      const { values, validity } = doubleVectorOf(chunk, at++);
      return (row) => (isValid(validity, row) ? values[row]! : null);
    }
    const vocabulary = VOCABULARIES[c.name] ?? [];
    const code = doubleVectorOf(chunk, at++);
    const other = chunk.getColumnVector(at++);
    return (row) => {
      if (isValid(code.validity, row)) return vocabulary[code.values[row]! - 1] ?? null;
      const value = other.getItem(row);
      return typeof value === "string" ? value : null;
    };
  });
}

/** The history matrix of a chunk: the DOUBLE[H] column's child vector, row-major, in DuckDB's memory. */
function historyMatrix(chunk: DuckDBDataChunk, column: number, width: number): Float64Array {
  if (width === 0) return new Float64Array(0);
  const child = duckdb.array_vector_get_child(duckdb.data_chunk_get_vector(chunk.chunk, column));
  const bytes = duckdb.vector_get_data(child, chunk.rowCount * width * 8);
  return new Float64Array(bytes.buffer, bytes.byteOffset, chunk.rowCount * width);
}

async function* scanSnapshot(
  connection: DuckDBConnection,
  historyNames: readonly string[],
  pageSize: number,
): AsyncGenerator<VectorRow[]> {
  const result = await connection.stream(duckDbSnapshotSql(historyNames));
  const historyColumn = 1 + STORED_APPLICATION_COLUMNS.reduce((n, c) => n + (c.kind === "text" ? 2 : 1), 0);
  const width = historyNames.length;
  let next: Promise<DuckDBDataChunk | null> | null = result.fetchChunk();
  let page: VectorRow[] = [];
  // One client's stored application values, refilled per row (the encoder copies what it needs).
  const stored = new Array<number | string | null>(STORED_APPLICATION_COLUMNS.length).fill(null);
  try {
    for (;;) {
      const chunk: DuckDBDataChunk | null = await next;
      if (!chunk || chunk.rowCount === 0) break;
      // DuckDB produces the next chunk on its threads while this one is encoded.
      next = result.fetchChunk();
      const rows = chunk.rowCount;
      const ids = doubleVectorOf(chunk, 0);
      const application = applicationReaders(chunk);
      const history = historyMatrix(chunk, historyColumn, width);
      for (let row = 0; row < rows; row++) {
        for (let c = 0; c < stored.length; c++) stored[c] = application[c]!(row);
        page.push(
          storedVectorRow(ids.values[row]!, history.subarray(row * width, (row + 1) * width), stored),
        );
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
