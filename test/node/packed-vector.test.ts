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
            else expect(back[i]).toBe(v === 0 ? 0 : Math.fround(v));
          });
        },
      ),
    );
  });

  it("stores values the model cannot tell apart as the same bytes: -0 as 0, every NaN as one quiet NaN", () => {
    const nan = (bits: bigint) => {
      const view = new DataView(new ArrayBuffer(8));
      view.setBigUint64(0, bits);
      return view.getFloat64(0);
    };
    // A negative NaN and a NaN with a payload, as arithmetic on missing values can leave them.
    const noisy = encodeVector([-0, nan(0xfff8000000000000n), nan(0x7ff0000000000001n), 0, Number.NaN]);
    const clean = encodeVector([0, Number.NaN, Number.NaN, 0, Number.NaN]);
    expect(Buffer.from(noisy).toString("hex")).toBe(Buffer.from(clean).toString("hex"));
    expect(Buffer.from(clean).toString("hex")).toBe(`00000000${"0000c07f".repeat(2)}00000000${"0000c07f"}`);
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
