import type { ProgressFactory } from "../lib/progress.ts";
import type { TableSpec } from "./tables.ts";

export type WarehouseKind = "duckdb" | "bigquery";
export const WAREHOUSE_KINDS: readonly WarehouseKind[] = ["duckdb", "bigquery"];

/** A scalar as both warehouses hand it back: INT64/BIGINT as number (ids fit in 2^53), NULL as null. */
export type Value = number | string | boolean | null;

/** A page of a query result, row-major. */
export interface RowPage {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Value[])[];
}

export interface ColumnInfo {
  readonly name: string;
  /** The warehouse's own type name (DOUBLE / FLOAT64, BIGINT / INT64, ...). */
  readonly type: string;
  /** The type class shared by both warehouses. */
  readonly kind: "int" | "float" | "text" | "bool" | "other";
}

/** A column of a table written from rows. */
export interface NewColumn {
  readonly name: string;
  readonly kind: "int" | "float" | "text" | "bool";
}

/** A CSV file found for one source of a table, with its header already read. */
export interface SourceFile {
  readonly path: string;
  readonly bytes: number;
  readonly header: readonly string[];
  /** Columns of the table that this file lacks but may lack (loaded as NULL). */
  readonly missingOptional: readonly string[];
}

/**
 * The offline store. Both implementations run the same SQL files (BigQuery dialect, the subset DuckDB
 * also runs) and expose the same read path, so everything above this interface is warehouse-agnostic.
 */
export interface Warehouse {
  readonly kind: WarehouseKind;
  /** Where the data lives, for messages: a file path or `project.dataset`. */
  readonly location: string;
  /** Replace `spec.name` with the rows of `files` (their union), typed as the spec says. Returns the row count. */
  loadTable(spec: TableSpec, files: readonly SourceFile[], progress: ProgressFactory): Promise<number>;
  /** Run a SELECT and write its result as table `name`, replacing any previous one. */
  createTableAs(name: string, selectSql: string): Promise<void>;
  /** Replace table `name` with these rows (small tables such as the feature registry). */
  writeTable(name: string, columns: readonly NewColumn[], rows: readonly (readonly Value[])[]): Promise<void>;
  /** Run a small query and return all rows. */
  query(sql: string): Promise<RowPage>;
  /** Stream a query's rows in pages of about `pageSize` rows, never holding the whole result. */
  scan(sql: string, pageSize: number): AsyncIterable<RowPage>;
  /** Column names and types of a table, in table order; empty if the table does not exist. */
  columns(table: string): Promise<readonly ColumnInfo[]>;
  close(): Promise<void>;
}
