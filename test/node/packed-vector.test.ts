import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeVector, encodeVector, PackedVectorError } from "../../online-store/packed-vector.ts";

describe("packed vector", () => {
  it("round-trips float32 values, NaN included, 4 bytes each", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.float({ noDefaultInfinity: true }), fc.constant(Number.NaN)), {
          maxLength: 700,
        }),
        (values) => {
          const bytes = encodeVector(values);
          expect(bytes.byteLength).toBe(values.length * 4);
          const back = decodeVector(bytes, values.length);
          values.forEach((v, i) => {
            if (Number.isNaN(v)) expect(back[i]).toBeNaN();
            else expect(back[i]).toBe(Math.fround(v));
          });
        },
      ),
    );
  });

  it("is little-endian float32 on the wire", () => {
    expect([...encodeVector([1])]).toEqual([0x00, 0x00, 0x80, 0x3f]);
    expect(decodeVector(new Uint8Array([0x00, 0x00, 0x20, 0xc1]), 1)[0]).toBe(-10);
  });

  it("decodes from an unaligned view of a larger buffer", () => {
    const buffer = new Uint8Array(13);
    buffer.set(encodeVector([0.5, -2, 3]), 1);
    expect([...decodeVector(buffer.subarray(1, 13), 3)]).toEqual([0.5, -2, 3]);
  });

  it("refuses a vector of the wrong length", () => {
    expect(() => decodeVector(encodeVector([1, 2, 3]), 4)).toThrow(PackedVectorError);
    expect(() => decodeVector(encodeVector([1, 2, 3]), 4)).toThrow(/12 bytes, expected 16 \(4 features\)/);
  });
});
