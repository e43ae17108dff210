import type { DuckDBDataChunk } from "@duckdb/node-api";
import duckdb from "@duckdb/node-bindings";

/** A DOUBLE column of a chunk as DuckDB holds it: a view of its values and the validity bitmask (null when all valid). */
export interface DoubleVector {
  readonly values: Float64Array;
  readonly validity: Uint8Array | null;
}

/** Whether row `row` of a vector is non-NULL. */
export const isValid = (validity: Uint8Array | null, row: number): boolean =>
  validity === null || (validity[row >>> 3]! & (1 << (row & 7))) !== 0;

/**
 * A DOUBLE column of a DuckDB data chunk straight from DuckDB's vector memory (the C API through
 * @duckdb/node-bindings), no copy: valid only while the chunk is. Converting wide rows value by value through
 * the JS row API costs far more than the query itself.
 */
export function doubleVectorOf(chunk: DuckDBDataChunk, column: number): DoubleVector {
  const vector = duckdb.data_chunk_get_vector(chunk.chunk, column);
  const bytes = duckdb.vector_get_data(vector, chunk.rowCount * 8);
  // DuckDB's validity is 64-bit words of little-endian bits: bit r of the mask is row r.
  const validity = duckdb.vector_get_validity(
    vector,
    Math.ceil(chunk.rowCount / 64) * 8,
  ) as Uint8Array | null;
  return { values: new Float64Array(bytes.buffer, bytes.byteOffset, chunk.rowCount), validity };
}
