import { decodeVector } from "../../../online-store/packed-vector.ts";

/** A client_vectors row read back through the D1 binding. */
export interface StoredRow {
  client_id: number;
  history: ArrayBuffer | Uint8Array | number[];
  application: string;
  hash_hi: number;
  hash_lo: number;
}

export function storedHistory(row: StoredRow, features: number): Float32Array {
  const bytes = Array.isArray(row.history) ? Uint8Array.from(row.history) : row.history;
  return decodeVector(bytes, features);
}

/** The checksum the sync stamps on a version, computed here from the rows themselves. */
export function checksumOf(rows: readonly { hash_hi: number; hash_lo: number }[]): string {
  let hi = 0n;
  let lo = 0n;
  for (const r of rows) {
    hi += BigInt(r.hash_hi);
    lo += BigInt(r.hash_lo);
  }
  return `${hi}:${lo}`;
}
