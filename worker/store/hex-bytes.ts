/**
 * Bytes from SQLite's hex() text: how the lookup reads the packed client BLOB (online-store.ts), because D1
 * answers in JSON, where a BLOB travels as an array of numbers. Uint8Array.fromHex where the runtime has
 * it (workerd does); a table-driven loop elsewhere (Node 24). Anything but an even run of hex digits
 * throws, so a damaged row is refused rather than decoded.
 */

type MaybeNativeHex = typeof Uint8Array & { fromHex?: (text: string) => Uint8Array };

/** Nibble value per character code; -1 for anything that is not a hex digit. */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  NIBBLE["0123456789abcdef".charCodeAt(i)] = i;
  NIBBLE["0123456789ABCDEF".charCodeAt(i)] = i;
}

export class HexBytesError extends Error {
  override readonly name = "HexBytesError";
}

function portableFromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0) throw new HexBytesError(`odd-length hex text (${text.length} characters)`);
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = NIBBLE[text.charCodeAt(2 * i)] ?? -1;
    const lo = NIBBLE[text.charCodeAt(2 * i + 1)] ?? -1;
    if (hi < 0 || lo < 0) throw new HexBytesError(`not a hex digit at character ${2 * i + (hi < 0 ? 0 : 1)}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

export function hexBytes(text: string): Uint8Array {
  const native = (Uint8Array as MaybeNativeHex).fromHex;
  if (typeof native !== "function") return portableFromHex(text);
  try {
    return native(text);
  } catch (error) {
    throw new HexBytesError(error instanceof Error ? error.message : String(error));
  }
}
