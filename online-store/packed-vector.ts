/**
 * The packed vector format of the online store: a client's history features as float32 little-endian
 * (4 bytes per feature, NaN for missing), in the registry's history order. float32 because the model
 * reads float32 anyway, and it keeps a 500-feature vector at 2 KB, well inside D1's row limit.
 * One encoder/decoder pair, used by sync (write) and the Worker (read).
 */
export const PACKED_FORMAT = "f32le";
const BYTES = 4;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;

export function encodeVector(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * BYTES);
  if (LITTLE_ENDIAN_HOST) {
    new Float32Array(out.buffer).set(values as ArrayLike<number>);
    return out;
  }
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * BYTES, values[i] ?? Number.NaN, true);
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
