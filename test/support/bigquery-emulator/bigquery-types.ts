import {
  DuckDBBlobValue,
  DuckDBDecimalValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
} from "@duckdb/node-api";
import { columnKindOf } from "../../../warehouse/duckdb/column-kind.ts";
import { invalid } from "./api-failure.ts";

/** A column as the REST API describes it (TableFieldSchema). */
export interface FieldSchema {
  name: string;
  type: string;
  mode: string;
}

/**
 * The type name the REST API reports for a DuckDB column. BigQuery answers with the legacy names
 * (INTEGER, FLOAT, BOOLEAN) even for columns declared INT64 / FLOAT64 / BOOL, so the emulator does too.
 * DECIMAL reports as FLOAT: DuckDB types a literal like 1.5 as DECIMAL where BigQuery types it FLOAT64.
 */
export function restTypeOf(type: DuckDBType): string {
  const kind = columnKindOf(type);
  if (kind === "int") return "INTEGER";
  if (kind === "float") return "FLOAT";
  if (kind === "bool") return "BOOLEAN";
  switch (type.typeId) {
    case DuckDBTypeId.DATE:
      return "DATE";
    case DuckDBTypeId.TIME:
      return "TIME";
    case DuckDBTypeId.TIMESTAMP:
      return "DATETIME";
    case DuckDBTypeId.TIMESTAMP_TZ:
      return "TIMESTAMP";
    case DuckDBTypeId.BLOB:
      return "BYTES";
    default:
      // VARCHAR, and anything without a BigQuery counterpart (lists, structs) as its text form.
      return "STRING";
  }
}

const LOAD_TYPES: Record<string, string> = {
  INTEGER: "BIGINT",
  INT64: "BIGINT",
  FLOAT: "DOUBLE",
  FLOAT64: "DOUBLE",
  NUMERIC: "DECIMAL(38, 9)",
  BIGNUMERIC: "DOUBLE",
  STRING: "VARCHAR",
  BOOLEAN: "BOOLEAN",
  BOOL: "BOOLEAN",
  DATE: "DATE",
  TIME: "TIME",
  DATETIME: "TIMESTAMP",
  TIMESTAMP: "TIMESTAMPTZ",
  BYTES: "BLOB",
};

/** The DuckDB column type that stores a BigQuery column declared in a load job's schema. */
export function duckTypeForLoad(field: { name: string; type?: string }): string {
  const type = LOAD_TYPES[(field.type ?? "STRING").toUpperCase()];
  if (!type) throw invalid(`Unsupported type ${field.type} for field ${field.name} (emulator)`);
  return type;
}

/** The standard SQL spelling of a REST type name, as load-error messages use it. */
export function standardTypeName(restType: string): string {
  const names: Record<string, string> = { INTEGER: "INT64", FLOAT: "FLOAT64", BOOLEAN: "BOOL" };
  return names[restType.toUpperCase()] ?? restType.toUpperCase();
}

/**
 * A cell as the REST API sends it: every non-null value is a string (INT64 and FLOAT64 in decimal,
 * BOOL as "true"/"false", TIMESTAMP as epoch microseconds when useInt64Timestamp is set).
 */
export function restValue(value: DuckDBValue, useInt64Timestamp: boolean): string | null {
  if (value === null) return null;
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (value instanceof DuckDBDecimalValue) return String(value.toDouble());
  if (value instanceof DuckDBTimestampTZValue) {
    return useInt64Timestamp ? String(value.micros) : String(Number(value.micros) / 1e6);
  }
  if (value instanceof DuckDBTimestampValue) return value.toString().replace(" ", "T");
  if (value instanceof DuckDBBlobValue) return Buffer.from(value.bytes).toString("base64");
  return String(value);
}
