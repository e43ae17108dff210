/**
 * The packed vector format of the online store: a client's history features as float32 little-endian
 * (4 bytes per feature, NaN for missing), in the registry's history order. float32 because the model
 * reads float32 anyway, and it keeps a 500-feature vector at 2 KB, well inside D1's row limit.
 * One encoder/decoder pair, used by sync (write) and the Worker (read).
 */
export const PACKED_FORMAT = "f32le";
const BYTES = 4;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;

/**
 * One stored form per value the model cannot tell apart: -0 is written as 0 and every NaN (missing) as the
 * one quiet NaN. The warehouse's floating-point aggregates leave a sum that cancels to zero as 0 or -0 from
 * run to run (parallel summation order), and the bytes, not the values, are what the sync's content hash
 * and the incremental comparison read.
 */
const canonical = (value: number | undefined): number =>
  value === undefined || Number.isNaN(value) ? Number.NaN : value === 0 ? 0 : value;

export function encodeVector(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * BYTES);
  if (LITTLE_ENDIAN_HOST) {
    const floats = new Float32Array(out.buffer);
    for (let i = 0; i < values.length; i++) floats[i] = canonical(values[i]);
    return out;
  }
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * BYTES, canonical(values[i]), true);
  return out;
}

export class PackedVectorError extends Error {
  override readonly name = "PackedVectorError";
}

export function decodeVector(bytes: Uint8Array | ArrayBuffer, expectedLength: number): Float32Array {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (view.byteLength !== expectedLength * BYTES) {
    throw new PackedVectorError(
      `packed vector has ${view.byteLength} bytes, expected ${expectedLength * BYTES} (${expectedLength} features)`,
    );
  }
  if (LITTLE_ENDIAN_HOST) {
    // Copy: the BLOB's buffer may be shared and unaligned.
    return new Float32Array(view.slice().buffer);
  }
  const data = new DataView(view.buffer, view.byteOffset, view.byteLength);
  const out = new Float32Array(expectedLength);
  for (let i = 0; i < expectedLength; i++) out[i] = data.getFloat32(i * BYTES, true);
  return out;
}
