import { hash } from "node:crypto";
import { APPLICATION_COLUMNS, type ApplicationRecord } from "../../features/application/columns.ts";
import { encodeVector } from "../../online-store/packed-vector.ts";

/** One client as stored in D1's client_vectors (online-store/schema.ts), plus its content hash halves. */
export interface VectorRow {
  readonly clientId: number;
  /**
   * The history, packed by online-store/packed-vector.ts, as hex: how the bytes travel in SQL (X'..') and
   * what the content hash reads. Only the hex is kept: one allocation less per client.
   */
  readonly historyHex: string;
  /** The application record as JSON, nulls dropped, in APPLICATION_COLUMNS order. */
  readonly application: string;
  /** Unsigned 32-bit halves of the first 64 bits of SHA-256 over the stored content. */
  readonly hashHi: number;
  readonly hashLo: number;
}

const KEYS = APPLICATION_COLUMNS.map((c) => `${JSON.stringify(c.name)}:`);

/** Text values repeat (they are mostly categories): their JSON form is kept rather than re-escaped. */
const quoted = new Map<string, string>();
function quote(text: string): string {
  let json = quoted.get(text);
  if (json === undefined) {
    json = JSON.stringify(text);
    if (quoted.size >= 50_000) quoted.clear();
    quoted.set(text, json);
  }
  return json;
}

/**
 * The application as the online store keeps it: JSON of the non-null values in column order, `valueAt(i)`
 * giving column i of APPLICATION_COLUMNS. Built here for every source, so a client's JSON (and hash) is the
 * same whether it came from DuckDB or BigQuery. Written out directly: JSON.stringify of a 120-key object
 * costs several times more, and this runs once per client.
 */
export function applicationJsonFrom(valueAt: (column: number) => unknown): string {
  let json = "";
  for (let i = 0; i < KEYS.length; i++) {
    const value = valueAt(i);
    let text: string;
    if (typeof value === "string") text = quote(value);
    // String(n) is JSON's own number formatting; JSON has no NaN or Infinity: those count as missing.
    else if (typeof value === "number" && Number.isFinite(value)) text = String(value);
    else continue;
    json += `${json ? "," : "{"}${KEYS[i]}${text}`;
  }
  return json ? `${json}}` : "{}";
}

export function applicationJson(record: ApplicationRecord): string {
  return applicationJsonFrom((i) => record[APPLICATION_COLUMNS[i]!.name]);
}

/**
 * The row's content hash over exactly what is stored (id, packed bytes as hex, JSON): equal hashes mean
 * equal rows, which is what incremental syncs compare, and their sums are the feature set's checksum.
 * One string, one call: per-part hash updates cost three times as much, at ~350k rows a run.
 */
export function contentHash(
  clientId: number,
  historyHex: string,
  application: string,
): { hi: number; lo: number } {
  const digest = hash("sha256", `${clientId}\n${historyHex}\n${application}`, "buffer");
  return { hi: digest.readUInt32BE(0), lo: digest.readUInt32BE(4) };
}

/** A client's stored row from its id, history values (NaN = missing, registry order) and application JSON. */
export function vectorRow(clientId: number, history: ArrayLike<number>, application: string): VectorRow {
  const packed = encodeVector(history);
  const historyHex = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength).toString("hex");
  const { hi, lo } = contentHash(clientId, historyHex, application);
  return { clientId, historyHex, application, hashHi: hi, hashLo: lo };
}
