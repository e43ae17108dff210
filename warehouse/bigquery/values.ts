import type { ColumnInfo, Value } from "../warehouse.ts";

/**
 * The REST API reports legacy type names (INTEGER, FLOAT, BOOLEAN) even for columns created as INT64,
 * FLOAT64 or BOOL; the warehouse speaks standard SQL names, as in tables.ts.
 */
export function standardTypeName(type: string): string {
  const upper = type.toUpperCase();
  const names: Record<string, string> = { INTEGER: "INT64", FLOAT: "FLOAT64", BOOLEAN: "BOOL" };
  return names[upper] ?? upper;
}

export function kindOf(standardType: string): ColumnInfo["kind"] {
  switch (standardType) {
    case "INT64":
      return "int";
    case "FLOAT64":
    case "NUMERIC":
    case "BIGNUMERIC":
      return "float";
    case "STRING":
      return "text";
    case "BOOL":
      return "bool";
    default:
      return "other";
  }
}

/**
 * A cell as the client parsed it (with wrapIntegers off: INT64 and FLOAT64 as number, BOOL as boolean),
 * made a plain Value: NUMERIC arrives as a Big, DATE/TIME/TIMESTAMP as wrappers holding `.value`.
 */
export function toValue(cell: unknown): Value {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === "number" || typeof cell === "string" || typeof cell === "boolean") return cell;
  if (typeof cell === "bigint") return Number(cell);
  if (Buffer.isBuffer(cell)) return cell.toString("base64");
  if (typeof cell === "object") {
    if ("toNumber" in cell && typeof cell.toNumber === "function") return Number(cell.toNumber());
    if ("value" in cell) return toValue(cell.value);
    return JSON.stringify(cell);
  }
  return String(cell);
}
