import type { D1Client } from "../target/d1-client.ts";

/**
 * A feature set's checksum: the row count and the sums of its rows' two 32-bit hash halves, "<hi>:<lo>".
 * Order-free, so the source side (summed while reading) and D1 (SUM over the stored hash columns) compare
 * directly. Sums are exact: numbers up to 2^20 rows, then folded into BigInts.
 */
export class Checksum {
  rows = 0;
  private hi = 0n;
  private lo = 0n;
  private pendingHi = 0;
  private pendingLo = 0;
  private pendingRows = 0;

  add(row: { readonly hashHi: number; readonly hashLo: number }): void {
    this.pendingHi += row.hashHi;
    this.pendingLo += row.hashLo;
    this.rows++;
    // 2^20 rows of values below 2^32 stay below 2^52: still exact as a double.
    if (++this.pendingRows === 1 << 20) this.fold();
  }

  private fold(): void {
    this.hi += BigInt(this.pendingHi);
    this.lo += BigInt(this.pendingLo);
    this.pendingHi = 0;
    this.pendingLo = 0;
    this.pendingRows = 0;
  }

  /** Add another checksum's rows (the total over shards). */
  addAll(other: Checksum): void {
    other.fold();
    this.fold();
    this.hi += other.hi;
    this.lo += other.lo;
    this.rows += other.rows;
  }

  toString(): string {
    this.fold();
    return `${this.hi}:${this.lo}`;
  }
}

export interface StoredChecksum {
  readonly rows: number;
  readonly checksum: string;
}

/** The same sums computed by D1 over what it stores (as text: SQLite's integer sums are exact). */
export async function storedChecksum(client: D1Client, featureSetId: number): Promise<StoredChecksum> {
  if (!Number.isSafeInteger(featureSetId)) throw new Error(`not a feature set id: ${featureSetId}`);
  const result = await client.query(
    "SELECT COUNT(*), CAST(COALESCE(SUM(hash_hi), 0) AS TEXT), CAST(COALESCE(SUM(hash_lo), 0) AS TEXT) " +
      `FROM client_vectors WHERE feature_set_id = ${featureSetId}`,
  );
  const [rows, hi, lo] = result.rows[0] ?? [0, "0", "0"];
  return { rows: Number(rows), checksum: `${hi}:${lo}` };
}
