import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { APPLICATION_COLUMNS, type ApplicationRecord } from "../../features/application/columns.ts";
import { applicationFeatures } from "../../features/application/features.ts";
import { VOCABULARIES } from "../../features/application/vocabularies.ts";
import { STORED_APPLICATION_COLUMNS } from "../../online-store/application-layout.ts";
import {
  decodeClient,
  decodeClientHistory,
  encodeClient,
  PACKED_FORMAT,
  PackedClientError,
} from "../../online-store/packed-client.ts";
import { HexBytesError, hexBytes } from "../../worker/store/hex-bytes.ts";

// The online store's one encoder/decoder pair, both ways: what goes in comes out (at the model's precision
// for history, exactly for the application), the bytes are canonical, and anything else is refused.

const STORED = new Set(STORED_APPLICATION_COLUMNS.map((c) => c.name));

const historyValue = fc.oneof(
  fc.float({ noDefaultInfinity: false }),
  fc.double(),
  fc.integer({ min: -5_000_000, max: 5_000_000 }),
  fc.constantFrom(0, -0, Number.NaN, 1, 365243, 2 ** 27, -(2 ** 27), 2 ** 31, 1e30),
);

/** A raw application record: every column, any plausible value or missing, text in and out of vocabulary. */
const applicationRecord: fc.Arbitrary<ApplicationRecord> = fc.record(
  Object.fromEntries(
    APPLICATION_COLUMNS.map((c) => [
      c.name,
      c.kind === "text"
        ? fc.oneof(
            fc.constantFrom(...(VOCABULARIES[c.name] ?? ["x"])),
            fc.string({ maxLength: 12, unit: "grapheme" }),
            fc.constant(null),
          )
        : fc.oneof(
            fc.double({ noNaN: false }),
            fc.integer({ min: -400_000, max: 400_000 }),
            fc.constantFrom(0, -0, 365243, 0.5, 406597.5, 1e12, null, undefined),
          ),
    ]),
  ),
) as fc.Arbitrary<ApplicationRecord>;

/** What the decoder must give back for a record: stored columns with a value, -0 as 0. */
function expectedApplication(record: ApplicationRecord): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const c of STORED_APPLICATION_COLUMNS) {
    const v = record[c.name];
    if (typeof v === "string" && c.kind === "text") out[c.name] = v;
    else if (typeof v === "number" && Number.isFinite(v)) out[c.name] = v === 0 ? 0 : v;
  }
  return out;
}

describe("packed client", () => {
  it("round-trips history at float32 precision (NaN missing) and the application exactly", () => {
    fc.assert(
      fc.property(fc.array(historyValue, { maxLength: 700 }), applicationRecord, (history, application) => {
        const packed = encodeClient({ history, application });
        const back = decodeClient(packed, history.length);
        expect(back.history).toHaveLength(history.length);
        // The history-only read (the applications route) gives the same values, bit for bit.
        expect(decodeClientHistory(packed, history.length)).toEqual(back.history);
        history.forEach((v, i) => {
          const f = Math.fround(v);
          if (Number.isNaN(f)) expect(back.history[i]).toBeNaN();
          else expect(Object.is(back.history[i], f === 0 ? 0 : f)).toBe(true);
        });
        expect(back.application).toEqual(expectedApplication(application));
        for (const [name, value] of Object.entries(back.application))
          expect(Object.is(value, expectedApplication(application)[name])).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps what the feature module reads: features from the stored columns equal those from the whole record", () => {
    fc.assert(
      fc.property(applicationRecord, (record) => {
        const stored = decodeClient(encodeClient({ history: [], application: record }), 0).application;
        // As the model reads them: float32, where -0 and 0 are one value.
        const asModelInput = (xs: Float64Array) =>
          Array.from(Float32Array.from(xs), (x) => (x === 0 ? 0 : x));
        expect(asModelInput(applicationFeatures(stored))).toEqual(asModelInput(applicationFeatures(record)));
      }),
      { numRuns: 500 },
    );
    // The columns left out are dead weight for the module (building measures as mode and median).
    expect(STORED.size).toBeLessThan(APPLICATION_COLUMNS.length);
    expect(STORED.has("AMT_CREDIT") && STORED.has("EXT_SOURCE_3") && STORED.has("FLAG_DOCUMENT_21")).toBe(
      true,
    );
    expect(STORED.has("APARTMENTS_MEDI")).toBe(false);
  });

  it("stores values the model cannot tell apart as the same bytes: -0 as 0, every NaN as missing", () => {
    const nan = (bits: bigint) => {
      const view = new DataView(new ArrayBuffer(8));
      view.setBigUint64(0, bits);
      return view.getFloat64(0);
    };
    const noisy = encodeClient({
      history: [-0, nan(0xfff8000000000000n), nan(0x7ff0000000000001n), 0, Number.NaN],
      application: { AMT_CREDIT: -0, EXT_SOURCE_1: Number.NaN, APARTMENTS_MEDI: 0.5 },
    });
    const clean = encodeClient({
      history: [0, Number.NaN, Number.NaN, 0, Number.NaN],
      application: { AMT_CREDIT: 0 },
    });
    expect(Buffer.from(noisy).toString("hex")).toBe(Buffer.from(clean).toString("hex"));
  });

  it("lays bytes out as documented: format byte, count, 2-bit tags, then the values", () => {
    // History [0, NaN, 1.5, -3]: integer 0 (tag 1), missing (0), float32 (2), integer -3 (1); no application.
    const bytes = encodeClient({ history: [0, Number.NaN, 1.5, -3], application: {} });
    const tagBytes = Math.ceil((4 + STORED_APPLICATION_COLUMNS.length) / 4);
    expect(bytes[0]).toBe(2);
    expect(bytes[1]).toBe(4);
    expect(bytes[2]).toBe(0b01_10_00_01);
    expect([...bytes.subarray(2 + 1, 2 + tagBytes)].every((b) => b === 0)).toBe(true);
    // Payload: varint zigzag(0) = 0, float32 1.5 little-endian, varint zigzag(-3) = 5.
    expect([...bytes.subarray(2 + tagBytes)]).toEqual([0x00, 0x00, 0x00, 0xc0, 0x3f, 0x05]);
    // A category is its vocabulary index; other text goes as UTF-8.
    const withText = decodeClient(
      encodeClient({
        history: [],
        application: { NAME_CONTRACT_TYPE: "Revolving loans", OCCUPATION_TYPE: "Astronaut" },
      }),
      0,
    );
    expect(withText.application).toEqual({
      NAME_CONTRACT_TYPE: "Revolving loans",
      OCCUPATION_TYPE: "Astronaut",
    });
  });

  it("spends 2 bits on a missing value and a byte on a small count, where f32le spent 4 bytes on each", () => {
    const history = Array.from({ length: 557 }, (_, i) =>
      i % 3 === 0 ? Number.NaN : i % 3 === 1 ? i % 50 : i / 7,
    );
    const bytes = encodeClient({ history, application: {} });
    expect(bytes.length).toBeLessThan(557 * 4 * 0.55);
  });

  it("decodes from an unaligned view of a larger buffer", () => {
    const packed = encodeClient({ history: [0.5, -2, 3], application: { AMT_CREDIT: 406597.5 } });
    const buffer = new Uint8Array(packed.length + 3);
    buffer.set(packed, 1);
    const back = decodeClient(buffer.subarray(1, 1 + packed.length), 3);
    expect([...back.history]).toEqual([0.5, -2, 3]);
    expect(back.application).toEqual({ AMT_CREDIT: 406597.5 });
  });

  it("refuses bytes of another shape: format, history length, truncation, trailing bytes", () => {
    const packed = encodeClient({ history: [1, 2, 3.5], application: { EXT_SOURCE_2: 0.2629485927471776 } });
    expect(() => decodeClient(packed, 4)).toThrow(PackedClientError);
    expect(() => decodeClient(packed, 4)).toThrow(/holds 3 history values, expected 4/);
    expect(() => decodeClient(Uint8Array.of(1, ...packed.subarray(1)), 3)).toThrow(/format byte 1/);
    expect(() => decodeClient(packed.subarray(0, packed.length - 2), 3)).toThrow(/ends at byte/);
    expect(() => decodeClient(Uint8Array.of(...packed, 0), 3)).toThrow(/1 bytes past its last value/);
    expect(() => decodeClient(new Uint8Array(0), 3)).toThrow(PackedClientError);
    // Reading only the history still reads past, and checks, the application's bytes.
    expect(() => decodeClientHistory(packed, 4)).toThrow(/holds 3 history values, expected 4/);
    expect(() => decodeClientHistory(packed.subarray(0, packed.length - 2), 3)).toThrow(/ends at byte/);
    expect(() => decodeClientHistory(Uint8Array.of(...packed, 0), 3)).toThrow(/1 bytes past its last value/);
  });

  it("names its format with a digest of the application layout", () => {
    expect(PACKED_FORMAT).toMatch(/^pack2-[0-9a-f]{8}$/);
  });
});

describe("a packed row read as SQLite hex() text, in Node (the portable decoder)", () => {
  it("gives back the bytes, in either case, and refuses anything but an even run of hex digits", () => {
    expect((Uint8Array as { fromHex?: unknown }).fromHex).toBeUndefined();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.boolean(), (bytes, upper) => {
        const hex = Buffer.from(bytes).toString("hex");
        expect(Array.from(hexBytes(upper ? hex.toUpperCase() : hex))).toEqual(Array.from(bytes));
      }),
    );
    for (const bad of ["ABC", "0G", "{}", "00 1", "é0"]) expect(() => hexBytes(bad)).toThrow(HexBytesError);
  });
});
