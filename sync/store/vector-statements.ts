import type { VectorRow } from "../source/vector-row.ts";
import type { D1Statement } from "../target/d1-client.ts";
import type { D1Limits } from "../target/d1-limits.ts";

/**
 * The bulk statements on client_vectors (online-store/schema.ts), as SQL text sized to D1's limits. The
 * history BLOB goes inline as an X'..' hex literal: the HTTP API's parameters are strings, and local D1 ships
 * BLOB parameters as arrays of numbers; the JSON goes as the one bound parameter per row. Ids and hashes are
 * integers this program computed, written inline, which leaves the parameter budget to the JSON.
 * Inserts skip rows already present, so a retried or resumed write is harmless.
 */

const TABLE = "client_vectors";
const COLUMNS = "feature_set_id, client_id, history, application, hash_hi, hash_lo";
const INSERT_HEAD = `INSERT INTO ${TABLE} (${COLUMNS}) VALUES `;
const INSERT_TAIL = " ON CONFLICT DO NOTHING";

function integer(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}

/** A statement of rows, with how many of them it holds (for progress). */
export interface RowStatement extends D1Statement {
  readonly rows: number;
}

/** Multi-row INSERTs holding every row once, each statement within the bound-parameter and size limits. */
export function insertStatements(
  featureSetId: number,
  rows: readonly VectorRow[],
  limits: D1Limits,
): RowStatement[] {
  const statements: RowStatement[] = [];
  const set = integer(featureSetId);
  const fixedBytes = INSERT_HEAD.length + INSERT_TAIL.length;
  let tuples: string[] = [];
  let params: string[] = [];
  let bytes = fixedBytes;
  const flush = () => {
    if (tuples.length === 0) return;
    statements.push({ sql: `${INSERT_HEAD}${tuples.join(",")}${INSERT_TAIL}`, params, rows: tuples.length });
    tuples = [];
    params = [];
    bytes = fixedBytes;
  };
  for (const row of rows) {
    const tuple = `(${set},${integer(row.clientId)},X'${row.historyHex}',?,${integer(row.hashHi)},${integer(row.hashLo)})`;
    const rowBytes =
      tuple.length + 1 + (limits.paramsCountTowardStatement ? Buffer.byteLength(row.application) : 0);
    if (fixedBytes + rowBytes > limits.maxStatementBytes) {
      throw new Error(
        `client ${row.clientId}: its row alone exceeds D1's ${limits.maxStatementBytes}-byte statement`,
      );
    }
    if (bytes + rowBytes > limits.maxStatementBytes || params.length + 1 > limits.maxBoundParameters) flush();
    tuples.push(tuple);
    params.push(row.application);
    bytes += rowBytes;
  }
  flush();
  return statements;
}

/** Copy a base version's rows in [firstClientId, lastClientId] into a new version (incremental syncs). */
export function copyStatement(
  fromSetId: number,
  toSetId: number,
  firstClientId: number,
  lastClientId: number,
  rows: number,
): RowStatement {
  return {
    sql:
      `INSERT INTO ${TABLE} (${COLUMNS}) SELECT ${integer(toSetId)}, client_id, history, application, hash_hi, hash_lo ` +
      `FROM ${TABLE} WHERE feature_set_id = ${integer(fromSetId)} AND client_id BETWEEN ${integer(firstClientId)} AND ${integer(lastClientId)}` +
      INSERT_TAIL,
    params: [],
    rows,
  };
}

/** Delete up to `limit` rows of a version, and report whether any remain: garbage collection in bounded steps. */
export function deleteChunkStatements(featureSetId: number, limit: number): D1Statement[] {
  const set = integer(featureSetId);
  return [
    {
      sql: `DELETE FROM ${TABLE} WHERE rowid IN (SELECT rowid FROM ${TABLE} WHERE feature_set_id = ${set} LIMIT ${integer(limit)})`,
      params: [],
    },
    { sql: `SELECT EXISTS (SELECT 1 FROM ${TABLE} WHERE feature_set_id = ${set}) AS remaining`, params: [] },
  ];
}
