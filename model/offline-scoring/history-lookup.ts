import { UserError } from "../../lib/errors.ts";
import type { ModelCard } from "../../scoring/model-card.ts";
import { type DoubleVector, isValid } from "../../warehouse/duckdb/double-columns.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { loadRegistry } from "../../warehouse/feature-registry.ts";
import { CLIENT_FEATURES_TABLE } from "../../warehouse/feature-sql.ts";
import type { Warehouse } from "../../warehouse/warehouse.ts";

/** The most history read whole at open (below it, one scan replaces the per-batch queries). */
const PRELOAD_BYTES = 256 * 1024 * 1024;

/** Rows of this many clients at a time in the transpose: their part of every column stays in cache. */
const TRANSPOSE_BLOCK = 64;

/**
 * DuckDB's column vectors as one buffer of rows (NULL as NaN), in blocks of rows: a plain row-by-row or
 * column-by-column copy misses the cache on every value of a 557-column table (3x slower, measured), and
 * this runs on the thread that answers the scoring threads.
 */
function transposed(columns: readonly DoubleVector[], rowCount: number): Float64Array {
  const width = columns.length;
  const rows = new Float64Array(rowCount * width);
  for (let start = 0; start < rowCount; start += TRANSPOSE_BLOCK) {
    const end = Math.min(rowCount, start + TRANSPOSE_BLOCK);
    for (let c = 0; c < width; c++) {
      const { values, validity } = columns[c]!;
      if (validity === null) for (let row = start; row < end; row++) rows[row * width + c] = values[row]!;
      else
        for (let row = start; row < end; row++)
          rows[row * width + c] = isValid(validity, row) ? values[row]! : Number.NaN;
    }
  }
  return rows;
}

/** History features of known clients, read from the warehouse's client feature table in packed order. */
export class HistoryLookup {
  private constructor(
    private readonly warehouse: Warehouse,
    private readonly columns: readonly string[],
    /**
     * Every client id the embedded warehouse holds (one narrow column, read at open). A query over the wide
     * feature table costs about as much for one id as for thousands (DuckDB decompresses every column of
     * each vector it touches), so ids it does not hold, new applicants, never reach it. Undefined for a
     * remote warehouse, where listing every client would cost more than it saves.
     */
    private readonly known: Set<number> | undefined,
  ) {}

  /** The whole table's history, when it was small enough to read at open. */
  private preloaded: Promise<Map<number, Float64Array>> | undefined;

  /** Refuses a warehouse whose feature set is not the one the model was trained on. */
  static async open(
    warehouse: Warehouse,
    card: ModelCard,
    options: { preloadBytes?: number } = {},
  ): Promise<HistoryLookup> {
    const registry = await loadRegistry(warehouse);
    if (registry.schemaHash !== card.feature_schema_hash) {
      throw new UserError(
        `the warehouse's features (schema ${registry.schemaHash}) are not the model's (${card.feature_schema_hash}): re-run \`credit-edge features\` with the feature SQL the model was trained on, or retrain`,
      );
    }
    let known: Set<number> | undefined;
    if (warehouse instanceof DuckDbWarehouse) {
      known = new Set();
      for await (const { columns } of warehouse.scanDoubleColumns(
        `SELECT CAST(SK_ID_CURR AS DOUBLE) FROM ${CLIENT_FEATURES_TABLE}`,
      ))
        for (const id of columns[0]!.values) known.add(id);
    }
    const lookup = new HistoryLookup(warehouse, card.packed_history_features, known);
    // A warehouse small enough to hold in memory is read whole, at once, in one scan: that costs what one
    // batch's query does, and it runs while the scoring threads are still loading their model.
    if (
      known &&
      known.size * card.packed_history_features.length * 8 <= (options.preloadBytes ?? PRELOAD_BYTES)
    ) {
      lookup.preloaded = lookup.fetchColumns("TRUE");
      lookup.preloaded.catch(() => {}); // awaited by fetch; marked handled until then
    }
    return lookup;
  }

  /** Whether the warehouse may hold the client (always true when it was not listed). */
  mayHold(clientId: number): boolean {
    return this.known === undefined || this.known.has(clientId);
  }

  /** History vectors by client id; clients the warehouse does not know are absent. */
  async fetch(clientIds: readonly number[]): Promise<Map<number, Float64Array>> {
    const found = new Map<number, Float64Array>();
    const ids = [...new Set(clientIds)].filter((id) => this.mayHold(id));
    if (ids.length === 0) return found;
    if (this.preloaded) {
      const all = await this.preloaded;
      for (const id of ids) found.set(id, all.get(id)!);
      return found;
    }
    if (this.warehouse instanceof DuckDbWarehouse) {
      // One query for them all: its cost is the columns it decompresses, not the ids it lists.
      return this.fetchColumns(`SK_ID_CURR IN (${ids.join(", ")})`);
    }
    for (let start = 0; start < ids.length; start += 5000) {
      const chunk = ids.slice(start, start + 5000);
      const sql = `SELECT SK_ID_CURR, ${this.columns.join(", ")} FROM ${CLIENT_FEATURES_TABLE} WHERE SK_ID_CURR IN (${chunk.join(", ")})`;
      for await (const page of this.warehouse.scan(sql, 4096)) {
        for (const row of page.rows) {
          const vector = new Float64Array(this.columns.length);
          for (let i = 0; i < vector.length; i++) {
            const v = row[i + 1];
            vector[i] = typeof v === "number" ? v : Number.NaN;
          }
          found.set(Number(row[0]), vector);
        }
      }
    }
    return found;
  }

  /**
   * The same through DuckDB's column vectors: every value read once, in column order, straight into one
   * buffer per chunk whose rows are the clients' vectors (NULL as NaN).
   */
  private async fetchColumns(where: string): Promise<Map<number, Float64Array>> {
    const found = new Map<number, Float64Array>();
    const warehouse = this.warehouse as DuckDbWarehouse;
    const columns = this.columns.map((c) => `CAST(${c} AS DOUBLE)`).join(", ");
    const sql = `SELECT CAST(SK_ID_CURR AS DOUBLE), ${columns} FROM ${CLIENT_FEATURES_TABLE} WHERE ${where}`;
    const width = this.columns.length;
    for await (const { rowCount, columns: vectors } of warehouse.scanDoubleColumns(sql)) {
      const rows = transposed(vectors.slice(1), rowCount);
      const ids = vectors[0]!.values;
      for (let row = 0; row < rowCount; row++)
        found.set(ids[row]!, rows.subarray(row * width, (row + 1) * width));
    }
    return found;
  }
}
