import type { NewColumn, Value, Warehouse } from "../../warehouse/warehouse.ts";
import type { DecisionRecord, ShadowRecord } from "../record/schema.ts";

/**
 * The warehouse side of the decision records: table `decisions` (one row per (request_id, item), the
 * record's keys as columns; nested values as JSON text), `decision_shadows` (challenger lines) and
 * `decision_objects` (the R2 objects already loaded). Read by `replay` and `monitor`.
 */
export const DECISIONS_TABLE = "decisions";
export const SHADOWS_TABLE = "decision_shadows";
export const OBJECTS_TABLE = "decision_objects";

type Column = NewColumn & { of?: (r: DecisionRecord) => Value };

const json = (v: unknown) => JSON.stringify(v);

/** Columns of `decisions`, in table order; `of` reads the value from a record. */
const DECISION_COLUMNS: Column[] = [
  { name: "request_id", kind: "text", of: (r) => r.request_id },
  { name: "item", kind: "int", of: (r) => r.item },
  { name: "decided_at", kind: "text", of: (r) => r.decided_at },
  { name: "endpoint", kind: "text", of: (r) => r.endpoint },
  { name: "principal_kind", kind: "text", of: (r) => r.principal_kind },
  { name: "principal_id", kind: "text", of: (r) => r.principal_id },
  { name: "client_id", kind: "int", of: (r) => r.client_id },
  { name: "model_version", kind: "text", of: (r) => r.model_version },
  { name: "feature_schema_hash", kind: "text", of: (r) => r.feature_schema_hash },
  { name: "feature_set_version", kind: "int", of: (r) => r.feature_set_version },
  { name: "features_as_of", kind: "text", of: (r) => r.features_as_of },
  { name: "probability", kind: "float", of: (r) => r.probability },
  { name: "decision", kind: "text", of: (r) => r.decision },
  { name: "approve_below", kind: "float", of: (r) => r.approve_below },
  { name: "decline_from", kind: "float", of: (r) => r.decline_from },
  { name: "reason_codes", kind: "text", of: (r) => json(r.reason_codes) },
  { name: "reasons", kind: "text", of: (r) => json(r.reasons) },
  { name: "has_history", kind: "bool", of: (r) => r.has_history },
  { name: "input_encoding", kind: "text", of: (r) => r.input_encoding },
  { name: "input_count", kind: "int", of: (r) => r.input_count },
  { name: "input_vector", kind: "text", of: (r) => r.input_vector },
  { name: "loan", kind: "text", of: (r) => (r.loan ? json(r.loan) : null) },
  { name: "application", kind: "text", of: (r) => json(r.application) },
  { name: "application_source", kind: "text", of: (r) => r.application_source },
  { name: "record_version", kind: "text", of: (r) => r.record_version },
  // Where it came from, and the challenger's answer (filled from decision_shadows).
  { name: "source_object", kind: "text" },
  { name: "pulled_at", kind: "text" },
  { name: "challenger_model_version", kind: "text" },
  { name: "challenger_probability", kind: "float" },
  { name: "challenger_decision", kind: "text" },
];

export const DECISION_COLUMN_NAMES = DECISION_COLUMNS.map((c) => c.name);

const SHADOW_COLUMNS: NewColumn[] = [
  { name: "request_id", kind: "text" },
  { name: "item", kind: "int" },
  { name: "decided_at", kind: "text" },
  { name: "client_id", kind: "int" },
  { name: "challenger_model_version", kind: "text" },
  { name: "probability", kind: "float" },
  { name: "decision", kind: "text" },
  { name: "source_object", kind: "text" },
  { name: "pulled_at", kind: "text" },
];

const OBJECT_COLUMNS: NewColumn[] = [
  { name: "object_key", kind: "text" },
  { name: "lines", kind: "int" },
  { name: "pulled_at", kind: "text" },
];

export function decisionRow(r: DecisionRecord, sourceObject: string, pulledAt: string): Value[] {
  return DECISION_COLUMNS.map((c) =>
    c.name === "source_object" ? sourceObject : c.name === "pulled_at" ? pulledAt : (c.of?.(r) ?? null),
  );
}

export function shadowRow(s: ShadowRecord, sourceObject: string, pulledAt: string): Value[] {
  return [
    s.request_id,
    s.item,
    s.decided_at,
    s.client_id,
    s.challenger_model_version,
    s.probability,
    s.decision,
    sourceObject,
    pulledAt,
  ];
}

/**
 * A SQL string literal for an identifier-like value (request ids, ISO times). DuckDB and BigQuery escape
 * quotes differently, so anything outside this safe alphabet is refused instead of escaped.
 */
export function quote(text: string): string {
  if (!/^[\w.:+-]*$/.test(text)) throw new Error(`not a plain identifier or time: ${JSON.stringify(text)}`);
  return `'${text}'`;
}

const count = async (warehouse: Warehouse, table: string) =>
  Number((await warehouse.query(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0]?.[0] ?? 0);

/** Creates the three tables when missing (an existing table is left as it is). */
export async function ensureTables(warehouse: Warehouse): Promise<void> {
  for (const [name, columns] of [
    [DECISIONS_TABLE, DECISION_COLUMNS],
    [SHADOWS_TABLE, SHADOW_COLUMNS],
    [OBJECTS_TABLE, OBJECT_COLUMNS],
  ] as const) {
    const existing = await warehouse.columns(name);
    if (existing.length === 0) {
      await warehouse.writeTable(name, columns, []);
      continue;
    }
    const have = new Set(existing.map((c) => c.name));
    const lacking = columns.filter((c) => !have.has(c.name)).map((c) => c.name);
    if (lacking.length)
      throw new Error(
        `table ${name} lacks the column(s) ${lacking.join(", ")}: it was not written by decisions pull`,
      );
  }
}

export async function loadedObjects(warehouse: Warehouse): Promise<Set<string>> {
  const rows = (await warehouse.query(`SELECT object_key FROM ${OBJECTS_TABLE}`)).rows;
  return new Set(rows.map((r) => String(r[0])));
}

/**
 * Append staged rows to `table`, keeping one row per (request_id, item): none already in the table, one
 * per identity among the staged. Returns how many were added. The staging table is dropped afterwards.
 */
async function appendNew(
  warehouse: Warehouse,
  table: string,
  columns: readonly NewColumn[],
  rows: readonly (readonly Value[])[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const staging = `${table}__pulling`;
  await warehouse.writeTable(staging, columns, rows);
  const names = columns.map((c) => c.name).join(", ");
  const before = await count(warehouse, table);
  await warehouse.query(
    `INSERT INTO ${table} (${names})
SELECT ${names} FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY request_id, item ORDER BY source_object) AS copy_number
  FROM ${staging}
) AS staged
WHERE copy_number = 1
  AND NOT EXISTS (SELECT 1 FROM ${table} AS t WHERE t.request_id = staged.request_id AND t.item = staged.item)`,
  );
  const added = (await count(warehouse, table)) - before;
  await warehouse.query(`DROP TABLE IF EXISTS ${staging}`);
  return added;
}

export const appendDecisions = (w: Warehouse, rows: readonly (readonly Value[])[]) =>
  appendNew(w, DECISIONS_TABLE, DECISION_COLUMNS, rows);

export const appendShadows = (w: Warehouse, rows: readonly (readonly Value[])[]) =>
  appendNew(w, SHADOWS_TABLE, SHADOW_COLUMNS, rows);

export async function markLoaded(
  warehouse: Warehouse,
  objects: readonly { key: string; lines: number }[],
  pulledAt: string,
): Promise<void> {
  if (objects.length === 0) return;
  const staging = `${OBJECTS_TABLE}__pulling`;
  await warehouse.writeTable(
    staging,
    OBJECT_COLUMNS,
    objects.map((o) => [o.key, o.lines, pulledAt]),
  );
  await warehouse.query(
    `INSERT INTO ${OBJECTS_TABLE} (object_key, lines, pulled_at) SELECT object_key, lines, pulled_at FROM ${staging} AS s WHERE NOT EXISTS (SELECT 1 FROM ${OBJECTS_TABLE} AS o WHERE o.object_key = s.object_key)`,
  );
  await warehouse.query(`DROP TABLE IF EXISTS ${staging}`);
}

/** The challenger's answers into the decisions they shadow (those not yet filled). */
export async function applyShadows(warehouse: Warehouse): Promise<void> {
  await warehouse.query(
    `UPDATE ${DECISIONS_TABLE} SET challenger_model_version = s.challenger_model_version, challenger_probability = s.probability, challenger_decision = s.decision
FROM ${SHADOWS_TABLE} AS s
WHERE ${DECISIONS_TABLE}.request_id = s.request_id AND ${DECISIONS_TABLE}.item = s.item AND ${DECISIONS_TABLE}.challenger_probability IS NULL`,
  );
}
