import { decodeClient, type UnpackedClient } from "../../../online-store/packed-client.ts";

/** A client_vectors row read back through the D1 binding. */
export interface StoredRow {
  client_id: number;
  packed: ArrayBuffer | Uint8Array | number[];
  hash_hi: number;
  hash_lo: number;
}

const bytesOf = (blob: StoredRow["packed"]) =>
  Array.isArray(blob) ? Uint8Array.from(blob) : blob instanceof Uint8Array ? blob : new Uint8Array(blob);

/** The row's history and application, decoded by the online store's one decoder. */
export function storedClient(row: StoredRow, features: number): UnpackedClient {
  return decodeClient(bytesOf(row.packed), features);
}

export function storedHistory(row: StoredRow, features: number): Float32Array {
  return storedClient(row, features).history;
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
