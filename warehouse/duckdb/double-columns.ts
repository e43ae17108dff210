import type { DuckDBDataChunk } from "@duckdb/node-api";
import duckdb from "@duckdb/node-bindings";

/**
 * A DOUBLE column of a DuckDB data chunk read straight from DuckDB's vector memory, NULL (and any NaN) as
 * NaN. Converting wide rows value by value through the JS row API costs far more than the query itself.
 */
export function doubleColumnOf(chunk: DuckDBDataChunk, column: number): Float64Array {
  const vector = duckdb.data_chunk_get_vector(chunk.chunk, column);
  const bytes = duckdb.vector_get_data(vector, chunk.rowCount * 8);
  // DuckDB's validity is 64-bit words of little-endian bits: bit r of the mask is row r.
  const validity = duckdb.vector_get_validity(
    vector,
    Math.ceil(chunk.rowCount / 64) * 8,
  ) as Uint8Array | null;
  const values = new Float64Array(chunk.rowCount);
  values.set(new Float64Array(bytes.buffer, bytes.byteOffset, chunk.rowCount));
  if (validity)
    for (let row = 0; row < values.length; row++)
      if ((validity[row >>> 3]! & (1 << (row & 7))) === 0) values[row] = Number.NaN;
  return values;
}
