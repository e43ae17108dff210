import { type ApplicationRecord, fastRecord } from "../features/application/columns.ts";
import { VOCABULARIES } from "../features/application/vocabularies.ts";
import { STORED_APPLICATION_COLUMNS } from "./application-layout.ts";

/**
 * The packed client format of the online store: one BLOB per client and version holding what serving
 * needs, its history features and the application columns the feature module reads
 * (application-layout.ts). One encoder/decoder pair, used by the sync (write) and the Worker (read).
 *
 * Layout, little-endian:
 *   byte 0            format byte (2)
 *   varint            H, the number of history values
 *   ceil((H+A)/4) B   a 2-bit tag per value: H history values, then the A stored application columns
 *   payload           each value per its tag, in the same order
 *
 * Numbers (history, numeric application columns): tag 0 missing (no bytes), 1 an integer as a zigzag
 * varint (1-4 bytes), 2 a float32, 3 a float64. History is float32, as the model reads it, so it never
 * needs tag 3 (an infinite history value is a float32 like any other). Text columns: tag 0 missing, 1 the category's index in the vocabulary (varint), 2 any other
 * string (varint byte length, UTF-8). A missing value costs 2 bits and a count 1 byte, where the previous
 * format (f32le, history only) spent 4 bytes on each, and the application JSON spent its names.
 *
 * Lossless for what the model sees: history as float32 (what `credit-edge score` feeds the model), the
 * application exactly (float64 and strings as stored in the warehouse), so features recomputed in the Worker
 * equal the offline ones. Values the model cannot tell apart get one stored form: -0 is stored as 0, NaN and
 * non-finite numbers as missing. The bytes, not the values, are what the sync's content hash reads.
 */

const FORMAT_BYTE = 2;
const MISSING = 0;
const INTEGER = 1;
const FLOAT32 = 2;
const FLOAT64 = 3;
const VOCABULARY_INDEX = 1;
const TEXT = 2;
/** Zigzag values below 2^28 take at most 4 varint bytes: never more than a float32. */
const VARINT_LIMIT = 2 ** 28;

/** FNV-1a 32-bit: a short, dependency-free digest of the layout, the same in Node and workerd. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/**
 * The format's name, stored on every feature set (`packed_format`): the format byte and a digest of the
 * application layout (columns, kinds, vocabularies), so a Worker whose feature module reads other columns
 * refuses a set packed for another layout instead of misreading it.
 */
export const PACKED_FORMAT = `pack2-${fnv1a(
  JSON.stringify(STORED_APPLICATION_COLUMNS.map((c) => [c.name, c.kind, VOCABULARIES[c.name] ?? null])),
)}`;

export class PackedClientError extends Error {
  override readonly name = "PackedClientError";
}

/** A client as the online store holds it. */
export interface PackedClient {
  /** History features in the registry's order; NaN is missing. */
  readonly history: ArrayLike<number>;
  readonly application: ApplicationRecord;
}

export interface UnpackedClient {
  readonly history: Float32Array;
  /** The stored columns that have a value (missing ones are absent). */
  readonly application: ApplicationRecord;
}

const textIndex = new Map(
  STORED_APPLICATION_COLUMNS.map((c) => [
    c.name,
    new Map((VOCABULARIES[c.name] ?? []).map((v, i) => [v, i])),
  ]),
);
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

class Writer {
  bytes: Uint8Array;
  view: DataView;
  at = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity);
    this.view = new DataView(this.bytes.buffer);
  }

  room(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.at + n));
    grown.set(this.bytes);
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  byte(value: number): void {
    this.room(1);
    this.bytes[this.at++] = value;
  }

  varint(value: number): void {
    this.room(8);
    let v = value;
    while (v >= 0x80) {
      this.bytes[this.at++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.bytes[this.at++] = v;
  }

  float32(value: number): void {
    this.room(4);
    this.view.setFloat32(this.at, value, true);
    this.at += 4;
  }

  float64(value: number): void {
    this.room(8);
    this.view.setFloat64(this.at, value, true);
    this.at += 8;
  }

  text(value: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; the length varint at most 5.
    const most = value.length * 3;
    this.room(most + 5);
    const { written } = utf8.encodeInto(value, this.bytes.subarray(this.at + 5, this.at + 5 + most));
    const lengthAt = this.at;
    this.varint(written);
    this.bytes.copyWithin(this.at, lengthAt + 5, lengthAt + 5 + written);
    this.at += written;
  }
}

const zigzag = (n: number) => (n >= 0 ? 2 * n : -2 * n - 1);
const unzigzag = (z: number) => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
const fitsVarint = (n: number) => Number.isInteger(n) && zigzag(n) < VARINT_LIMIT;
const STORED_COUNT = STORED_APPLICATION_COLUMNS.length;
/** The integers whose zigzag is below VARINT_LIMIT: [-2^27, 2^27). */
const VARINT_HALF = VARINT_LIMIT / 2;

/** Reused by every call (encoding is synchronous): a client allocates only its result. */
const scratch = new Writer(16 * 1024);

/** Encode a client; `history` values beyond float32 precision are rounded to float32, as the model does. */
export function encodeClient(client: PackedClient): Uint8Array {
  const { application } = client;
  return encodeStoredClient(
    client.history,
    STORED_APPLICATION_COLUMNS.map((c) => application[c.name]),
  );
}

/**
 * The encoder itself, with the application as the stored columns' values in STORED_APPLICATION_COLUMNS order
 * (missing: null or undefined): the sync encodes every client of the warehouse from column vectors, so no
 * record is built per client, and the history loop writes straight into a reused buffer.
 */
export function encodeStoredClient(history: ArrayLike<number>, stored: ArrayLike<unknown>): Uint8Array {
  const h = history.length;
  const w = scratch;
  w.at = 0;
  w.byte(FORMAT_BYTE);
  w.varint(h);
  const tagsAt = w.at;
  const tagBytes = (h + STORED_COUNT + 3) >> 2;
  // Room for the tags and the whole history (at most 4 bytes a value) before the loop writes unchecked.
  w.room(tagBytes + h * 4);
  let { bytes } = w;
  const { view } = w;
  bytes.fill(0, tagsAt, tagsAt + tagBytes);
  let at = tagsAt + tagBytes;
  for (let i = 0; i < h; i++) {
    const value = Math.fround(history[i]!);
    if (Number.isNaN(value)) continue;
    // fitsVarint, spelled out for the loop that runs ~600 times a client.
    if (value >= -VARINT_HALF && value < VARINT_HALF && Number.isInteger(value)) {
      bytes[tagsAt + (i >> 2)]! |= INTEGER << ((i & 3) * 2);
      let z = zigzag(value); // below 2^28: bit operations are exact
      while (z >= 0x80) {
        bytes[at++] = (z & 0x7f) | 0x80;
        z >>>= 7;
      }
      bytes[at++] = z;
    } else {
      bytes[tagsAt + (i >> 2)]! |= FLOAT32 << ((i & 3) * 2);
      view.setFloat32(at, value, true);
      at += 4;
    }
  }
  w.at = at;
  for (let c = 0; c < STORED_COUNT; c++) {
    const column = STORED_APPLICATION_COLUMNS[c]!;
    const i = h + c;
    const value = stored[c];
    let t = MISSING;
    if (column.kind === "text") {
      if (typeof value !== "string") {
        if (value !== null && value !== undefined)
          throw new PackedClientError(`${column.name} holds a ${typeof value}, not text`);
        continue;
      }
      const index = textIndex.get(column.name)!.get(value);
      if (index !== undefined) {
        t = VOCABULARY_INDEX;
        w.varint(index);
      } else {
        t = TEXT;
        w.text(value);
      }
    } else {
      if (typeof value !== "number") {
        if (value !== null && value !== undefined)
          throw new PackedClientError(`${column.name} holds a ${typeof value}, not a number`);
        continue;
      }
      if (!Number.isFinite(value)) continue;
      if (fitsVarint(value)) {
        t = INTEGER;
        w.varint(zigzag(value));
      } else if (Math.fround(value) === value) {
        t = FLOAT32;
        w.float32(value);
      } else {
        t = FLOAT64;
        w.float64(value);
      }
    }
    // The writes above may have grown the buffer.
    bytes = w.bytes;
    bytes[tagsAt + (i >> 2)]! |= t << ((i & 3) * 2);
  }
  return w.bytes.slice(0, w.at);
}

class Reader {
  at = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number): void {
    if (this.at + n > this.bytes.length)
      throw new PackedClientError(`packed client ends at byte ${this.bytes.length}, expected more`);
  }

  byte(): number {
    this.need(1);
    return this.bytes[this.at++]!;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
      if (scale > 2 ** 35) throw new PackedClientError("packed client has a malformed varint");
    }
  }

  float32(): number {
    this.need(4);
    const v = this.view.getFloat32(this.at, true);
    this.at += 4;
    return v;
  }

  float64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }

  slice(n: number): Uint8Array {
    this.need(n);
    const part = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return part;
  }

  get remaining(): number {
    return this.bytes.length - this.at;
  }
}

/** Decode a client packed by encodeClient; throws PackedClientError for bytes of another shape. */
export function decodeClient(bytes: Uint8Array, expectedHistory: number): UnpackedClient {
  const entries: [string, number | string][] = [];
  const history = decodePacked(bytes, expectedHistory, entries);
  return { history, application: fastRecord(entries) };
}

/**
 * Only the history of a packed client (a submitted application brings its own columns): the stored
 * application is read past and checked as decodeClient checks it, but not built.
 */
export function decodeClientHistory(bytes: Uint8Array, expectedHistory: number): Float32Array {
  return decodePacked(bytes, expectedHistory, null);
}

/** The history; the stored columns that have a value are pushed to `application` when it is given. */
function decodePacked(
  bytes: Uint8Array,
  expectedHistory: number,
  application: [string, number | string][] | null,
): Float32Array {
  const reader = new Reader(bytes);
  const format = reader.byte();
  if (format !== FORMAT_BYTE)
    throw new PackedClientError(`packed client has format byte ${format}, not ${FORMAT_BYTE}`);
  const h = reader.varint();
  if (h !== expectedHistory)
    throw new PackedClientError(`packed client holds ${h} history values, expected ${expectedHistory}`);
  const count = h + STORED_APPLICATION_COLUMNS.length;
  const tags = reader.slice(Math.ceil(count / 4));
  const tagOf = (i: number) => (tags[i >> 2]! >> ((i & 3) * 2)) & 3;
  const history = new Float32Array(h);
  for (let i = 0; i < h; i++) {
    const t = tagOf(i);
    if (t === MISSING) history[i] = Number.NaN;
    else if (t === INTEGER) history[i] = unzigzag(reader.varint());
    else if (t === FLOAT32) history[i] = reader.float32();
    else throw new PackedClientError(`history value ${i} has tag ${t}`);
  }
  STORED_APPLICATION_COLUMNS.forEach((column, c) => {
    const t = tagOf(h + c);
    if (t === MISSING) return;
    if (column.kind === "text") {
      if (t === VOCABULARY_INDEX) {
        const index = reader.varint();
        const value = VOCABULARIES[column.name]?.[index];
        if (value === undefined) throw new PackedClientError(`${column.name} has no category ${index}`);
        application?.push([column.name, value]);
      } else if (t === TEXT) {
        const text = reader.slice(reader.varint());
        application?.push([column.name, fromUtf8.decode(text)]);
      } else throw new PackedClientError(`${column.name} has tag ${t}`);
      return;
    }
    const value =
      t === INTEGER ? unzigzag(reader.varint()) : t === FLOAT32 ? reader.float32() : reader.float64();
    application?.push([column.name, value]);
  });
  if (reader.remaining !== 0)
    throw new PackedClientError(`packed client has ${reader.remaining} bytes past its last value`);
  return history;
}
