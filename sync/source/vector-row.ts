import { hash } from "node:crypto";
import { APPLICATION_COLUMNS, type ApplicationRecord } from "../../features/application/columns.ts";
import { STORED_APPLICATION_COLUMNS } from "../../online-store/application-layout.ts";
import { encodeStoredClient } from "../../online-store/packed-client.ts";

/** One client as stored in D1's client_vectors (online-store/schema.ts), plus its content hash halves. */
export interface VectorRow {
  readonly clientId: number;
  /**
   * History and application packed by online-store/packed-client.ts, as hex: how the bytes travel in SQL
   * (X'..') and what the content hash reads. Only the hex is kept: one allocation less per client.
   */
  readonly packedHex: string;
  /** Unsigned 32-bit halves of the first 64 bits of SHA-256 over the stored content. */
  readonly hashHi: number;
  readonly hashLo: number;
}

/** Where each stored column sits in APPLICATION_COLUMNS (what a source's `valueAt` indexes). */
const STORED_AT = STORED_APPLICATION_COLUMNS.map((c) => APPLICATION_COLUMNS.indexOf(c));

/**
 * The application as the online store keeps it: the stored columns' values, `valueAt(i)` giving column i of
 * APPLICATION_COLUMNS; numbers and strings kept, anything else missing.
 */
export function applicationRecordFrom(valueAt: (column: number) => unknown): ApplicationRecord {
  const record: Record<string, number | string> = {};
  STORED_APPLICATION_COLUMNS.forEach((column, i) => {
    const value = valueAt(STORED_AT[i]!);
    if (typeof value === "string" || typeof value === "number") record[column.name] = value;
  });
  return record;
}

/**
 * The row's content hash over exactly what is stored (id, packed bytes as hex): equal hashes mean equal
 * rows, which is what incremental syncs compare, and their sums are the feature set's checksum.
 */
export function contentHash(clientId: number, packedHex: string): { hi: number; lo: number } {
  const digest = hash("sha256", `${clientId}\n${packedHex}`, "buffer");
  return { hi: digest.readUInt32BE(0), lo: digest.readUInt32BE(4) };
}

/** A client's stored row from its id, history values (NaN = missing, registry order) and application. */
export function vectorRow(
  clientId: number,
  history: ArrayLike<number>,
  application: ApplicationRecord,
): VectorRow {
  return storedVectorRow(
    clientId,
    history,
    STORED_APPLICATION_COLUMNS.map((c) => application[c.name]),
  );
}

/**
 * The same from the stored columns' values in STORED_APPLICATION_COLUMNS order (a number, a string, or
 * null for missing): what a columnar source hands over without building a record per client. Every source
 * ends here, so a client's stored bytes (and hash) are the same whether it came from DuckDB or BigQuery.
 */
export function storedVectorRow(
  clientId: number,
  history: ArrayLike<number>,
  stored: ArrayLike<number | string | null | undefined>,
): VectorRow {
  const packed = encodeStoredClient(history, stored);
  const packedHex = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength).toString("hex");
  const { hi, lo } = contentHash(clientId, packedHex);
  return { clientId, packedHex, hashHi: hi, hashLo: lo };
}
