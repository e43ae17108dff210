import type { VectorRow } from "../source/vector-row.ts";
import type { D1Statement } from "../target/d1-client.ts";
import type { D1Limits } from "../target/d1-limits.ts";
import { LEASE_HELD_BY, type LeaseGuard } from "./lease-guard.ts";

/**
 * The bulk statements on client_vectors (online-store/schema.ts), as SQL text sized to D1's limits. The
 * packed BLOB goes inline as an X'..' hex literal (the HTTP API's parameters are strings, and local D1 ships
 * BLOB parameters as arrays of numbers); ids and hashes are integers this program computed, written inline.
 * No statement binds a parameter, so the same text goes into an import file unchanged.
 *
 * Idempotent by construction, so a retried request whose first attempt landed, a resumed run and an import
 * file run twice all leave what one run leaves: a row insert is an upsert of the row's full content, a copy
 * skips rows present, a delete deletes what is there.
 */

const TABLE = "client_vectors";
const COLUMNS = "feature_set_id, client_id, packed, hash_hi, hash_lo";
const INSERT_HEAD = `INSERT INTO ${TABLE} (${COLUMNS}) VALUES `;
/** A row present with other content (a resumed run repairing what failed verification) is rewritten. */
const UPSERT_TAIL =
  " ON CONFLICT (feature_set_id, client_id) DO UPDATE SET packed = excluded.packed, hash_hi = excluded.hash_hi, hash_lo = excluded.hash_lo";
const SKIP_TAIL = " ON CONFLICT DO NOTHING";

export function integer(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}

/** A statement of rows, with how many of them it holds (for progress). */
export interface RowStatement extends D1Statement {
  readonly rows: number;
}

/** Multi-row upserts holding every row once, each statement within the statement-size limit. */
export function insertStatements(
  featureSetId: number,
  rows: readonly VectorRow[],
  limits: D1Limits,
): RowStatement[] {
  const statements: RowStatement[] = [];
  const set = integer(featureSetId);
  const fixedBytes = INSERT_HEAD.length + UPSERT_TAIL.length;
  let tuples: string[] = [];
  let bytes = fixedBytes;
  const flush = () => {
    if (tuples.length === 0) return;
    statements.push({
      sql: `${INSERT_HEAD}${tuples.join(",")}${UPSERT_TAIL}`,
      params: [],
      rows: tuples.length,
    });
    tuples = [];
    bytes = fixedBytes;
  };
  for (const row of rows) {
    const tuple = `(${set},${integer(row.clientId)},X'${row.packedHex}',${integer(row.hashHi)},${integer(row.hashLo)})`;
    const rowBytes = tuple.length + 1;
    if (fixedBytes + rowBytes > limits.maxStatementBytes) {
      throw new Error(
        `client ${row.clientId}: its row alone exceeds D1's ${limits.maxStatementBytes}-byte statement`,
      );
    }
    if (bytes + rowBytes > limits.maxStatementBytes) flush();
    tuples.push(tuple);
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
      `INSERT INTO ${TABLE} (${COLUMNS}) SELECT ${integer(toSetId)}, client_id, packed, hash_hi, hash_lo ` +
      `FROM ${TABLE} WHERE feature_set_id = ${integer(fromSetId)} AND client_id BETWEEN ${integer(firstClientId)} AND ${integer(lastClientId)}` +
      SKIP_TAIL,
    params: [],
    rows,
  };
}

/** Rows of a version the source no longer has (found by a resumed run): deleted by id. */
export function deleteClientsStatement(featureSetId: number, clientIds: readonly number[]): RowStatement {
  return {
    sql: `DELETE FROM ${TABLE} WHERE feature_set_id = ${integer(featureSetId)} AND client_id IN (${clientIds.map(integer).join(",")})`,
    params: [],
    rows: clientIds.length,
  };
}

/**
 * Delete up to `limit` rows of a version, then report whether rows remain, whether the version is active
 * here, and whether the lease is still held: garbage collection in bounded steps. The delete itself
 * refuses to touch a version active on this database and, when the lease lives in this database, to run
 * unless this holder's lease is live by D1's clock: a collector that lost its lease mid-way cannot delete
 * what a newer sync just wrote.
 */
export function deleteChunkStatements(featureSetId: number, limit: number, guard: LeaseGuard): D1Statement[] {
  const set = integer(featureSetId);
  const held = guard.inThisDatabase ? LEASE_HELD_BY : "1";
  const params = guard.inThisDatabase ? guard.params : [];
  return [
    {
      sql:
        `DELETE FROM ${TABLE} WHERE rowid IN (SELECT rowid FROM ${TABLE} WHERE feature_set_id = ${set} LIMIT ${integer(limit)}) ` +
        `AND NOT EXISTS (SELECT 1 FROM active_feature_sets WHERE feature_set_id = ${set}) AND ${held}`,
      params,
    },
    {
      sql:
        `SELECT EXISTS (SELECT 1 FROM ${TABLE} WHERE feature_set_id = ${set}) AS remaining, ` +
        `EXISTS (SELECT 1 FROM active_feature_sets WHERE feature_set_id = ${set}) AS active, ${held} AS held`,
      params,
    },
  ];
}
