import { type DuckDBType, DuckDBTypeId } from "@duckdb/node-api";
import type { ColumnInfo } from "../warehouse.ts";

/** The type class (shared by both warehouses) of a DuckDB column type. */
export function columnKindOf(type: DuckDBType): ColumnInfo["kind"] {
  switch (type.typeId) {
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UHUGEINT:
      return "int";
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return "float";
    case DuckDBTypeId.VARCHAR:
      return "text";
    case DuckDBTypeId.BOOLEAN:
      return "bool";
    default:
      return "other";
  }
}
