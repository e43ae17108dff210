import { UserError } from "../../lib/errors.ts";
import type { ModelCard } from "../../scoring/model-card.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { loadRegistry } from "../../warehouse/feature-registry.ts";
import { CLIENT_FEATURES_TABLE } from "../../warehouse/feature-sql.ts";
import type { Warehouse } from "../../warehouse/warehouse.ts";

/** History features of known clients, read from the warehouse's client feature table in packed order. */
export class HistoryLookup {
  private constructor(
    private readonly warehouse: Warehouse,
    private readonly columns: readonly string[],
  ) {}

  /** Refuses a warehouse whose feature set is not the one the model was trained on. */
  static async open(warehouse: Warehouse, card: ModelCard): Promise<HistoryLookup> {
    const registry = await loadRegistry(warehouse);
    if (registry.schemaHash !== card.feature_schema_hash) {
      throw new UserError(
        `the warehouse's features (schema ${registry.schemaHash}) are not the model's (${card.feature_schema_hash}): re-run \`credit-edge features\` with the feature SQL the model was trained on, or retrain`,
      );
    }
    return new HistoryLookup(warehouse, card.packed_history_features);
  }

  /** History vectors by client id; clients the warehouse does not know are absent. */
  async fetch(clientIds: readonly number[]): Promise<Map<number, Float64Array>> {
    const found = new Map<number, Float64Array>();
    const ids = [...new Set(clientIds)];
    for (let start = 0; start < ids.length; start += 5000) {
      const chunk = ids.slice(start, start + 5000);
      if (this.warehouse instanceof DuckDbWarehouse) {
        await this.fetchColumns(chunk, found);
        continue;
      }
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

  /** The same through DuckDB's column vectors: every value read once, in column order. */
  private async fetchColumns(ids: readonly number[], found: Map<number, Float64Array>): Promise<void> {
    const warehouse = this.warehouse as DuckDbWarehouse;
    const columns = this.columns.map((c) => `CAST(${c} AS DOUBLE)`).join(", ");
    const sql = `SELECT CAST(SK_ID_CURR AS DOUBLE), ${columns} FROM ${CLIENT_FEATURES_TABLE} WHERE SK_ID_CURR IN (${ids.join(", ")})`;
    const width = this.columns.length;
    for await (const { rowCount, columns: values } of warehouse.scanDoubleColumns(sql)) {
      const vectors = Array.from({ length: rowCount }, () => new Float64Array(width));
      for (let c = 0; c < width; c++) {
        const column = values[c + 1]!;
        for (let row = 0; row < rowCount; row++) vectors[row]![c] = column[row]!;
      }
      for (let row = 0; row < rowCount; row++) found.set(values[0]![row]!, vectors[row]!);
    }
  }
}
