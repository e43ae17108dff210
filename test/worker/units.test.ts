import { describe, expect, it } from "vitest";
import { decodeInputVector, encodeInputVector } from "../../decisions/record/input-vector.ts";
import type { RecordLine } from "../../decisions/record/schema.ts";
import { QUEUE_LIMITS } from "../../decisions/worker/queues.ts";
import { lineMessages } from "../../decisions/worker/send-lines.ts";
import { ApplicationSchema, applicationRecord } from "../../worker/api/application-schema.ts";
import { sharedInit } from "../../worker/inference/shared-init.ts";
import { parseKeyConfig, sha256Hex } from "../../worker/middleware/auth/configured-keys.ts";
import { looksLikeJwt } from "../../worker/middleware/auth/jwt.ts";
import { assertAllowed, assertMayScoreClient } from "../../worker/middleware/authorize/index.ts";
import { HexBytesError, hexBytes } from "../../worker/store/hex-bytes.ts";
import { isTransientD1Error, retryRead } from "../../worker/store/retry-read.ts";

// Plain functions behind the middleware, in the runtime they run in.

describe("parseKeyConfig (SCORING_API_KEYS)", () => {
  it("reads hashed entries with and without scopes; without a list, the default scopes", async () => {
    const a = await sha256Hex("key-a");
    const b = await sha256Hex("key-b");
    const config = await parseKeyConfig(` sha256:${a}:score , sha256:${b.toUpperCase()},`, false);
    expect(config.ok).toBe(true);
    if (!config.ok) return;
    expect([...config.keys.get(a)!.scopes]).toEqual(["score"]);
    expect([...config.keys.get(b)!.scopes].sort()).toEqual(["score", "score:batch"]);
    expect(config.keys.get(a)!.id).toBe(`env:${a.slice(0, 12)}`);
  });

  it("refuses the whole configuration when a scope list used commas: `score` must never become a key", async () => {
    const hash = await sha256Hex("key-c");
    // The reviewer's case: "sha256:<hex>:score:batch,score" splits into a hashed entry and the word "score".
    for (const allowPlain of [false, true]) {
      const config = await parseKeyConfig(`sha256:${hash}:score:batch,score`, allowPlain);
      expect(config.ok, `allowPlain ${allowPlain}`).toBe(false);
      if (config.ok) continue;
      expect(config.problem).toMatch(/entry 2/);
      expect(config.problem).not.toContain(hash);
    }
  });

  it("refuses unknown scopes, double spaces and malformed hashes, naming entries by position only", async () => {
    const hash = await sha256Hex("key-d");
    const cases = [
      `sha256:${hash}:score admin`,
      `sha256:${hash}:score  score:batch`,
      `sha256:${hash.slice(1)}:score`,
      `sha256:${hash}:`,
      `sha256:${hash},,sha256:${hash}`,
    ];
    for (const value of cases) {
      const config = await parseKeyConfig(value, false);
      expect(config.ok, value).toBe(false);
      if (!config.ok) expect(config.problem).not.toContain(hash.slice(0, 20));
    }
  });

  it("takes a plain key only behind the local-dev switch, and only one no word could guess", async () => {
    expect((await parseKeyConfig("local-dev-key", false)).ok).toBe(false);
    const dev = await parseKeyConfig("local-dev-key", true);
    expect(dev.ok).toBe(true);
    if (dev.ok)
      expect([...dev.keys.get(await sha256Hex("local-dev-key"))!.scopes].sort()).toEqual([
        "bench",
        "score",
        "score:batch",
      ]);
    for (const weak of ["score", "short", "score:batch", "has space in it"])
      expect((await parseKeyConfig(weak, true)).ok, weak).toBe(false);
    expect((await parseKeyConfig("", false)).ok).toBe(true);
  });
});

describe("sharedInit", () => {
  it("does not retry a failed initialisation before retryAfterMs, then does", async () => {
    let t = 0;
    let calls = 0;
    const get = sharedInit(
      async () => {
        calls++;
        if (calls === 1) throw new Error("broken build");
        return calls;
      },
      { retryAfterMs: 5_000, now: () => t },
    );
    await expect(get()).rejects.toThrow("broken build");
    t = 4_999;
    await expect(get()).rejects.toThrow("broken build");
    expect(calls).toBe(1);
    t = 5_000;
    expect(await get()).toBe(2);
  });

  it("shares one pending initialisation and retries after a failure", async () => {
    let calls = 0;
    const get = sharedInit(async () => {
      calls++;
      if (calls === 1) throw new Error("first attempt fails");
      return calls;
    });
    await expect(Promise.all([get(), get()])).rejects.toThrow("first attempt fails");
    expect(calls).toBe(1);
    expect(await Promise.all([get(), get()])).toEqual([2, 2]);
    expect(await get()).toBe(2);
  });
});

describe("authorisation rules", () => {
  const service = { kind: "api-key" as const, id: "env:x", scopes: new Set(["score" as const]) };
  const user = { kind: "end-user" as const, id: "sub:7", clientId: 7 };

  it("checks scopes for keys and route access for end users", () => {
    expect(assertAllowed(service, { scope: "score", endUsers: false })).toBe(service);
    expect(() => assertAllowed(service, { scope: "score:batch", endUsers: false })).toThrow(
      expect.objectContaining({ status: 403 }),
    );
    expect(assertAllowed(user, { scope: "score", endUsers: true })).toBe(user);
    expect(() => assertAllowed(user, { scope: "score", endUsers: false })).toThrow(
      expect.objectContaining({ status: 403 }),
    );
    expect(() => assertAllowed(undefined, { scope: "score", endUsers: true })).toThrow(
      expect.objectContaining({ status: 401 }),
    );
  });

  it("lets an end user score only their own client", () => {
    expect(() => assertMayScoreClient(user, 7)).not.toThrow();
    expect(() => assertMayScoreClient(user, 8)).toThrow(expect.objectContaining({ status: 403 }));
    expect(() => assertMayScoreClient(service, 8)).not.toThrow();
  });
});

describe("token shapes", () => {
  it("tells JWTs (signed or not) from API keys", () => {
    expect(looksLikeJwt("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln")).toBe(true);
    expect(looksLikeJwt("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.")).toBe(true);
    expect(looksLikeJwt("ce_live_abcdef")).toBe(false);
    expect(looksLikeJwt("local-dev-key")).toBe(false);
  });
});

describe("ApplicationSchema", () => {
  it("drops TARGET, unknown keys and missing values; keeps every known column", () => {
    const parsed = ApplicationSchema.parse({
      SK_ID_CURR: 100002,
      TARGET: 1,
      SOMETHING_ELSE: "x",
      AMT_CREDIT: 406597.5,
      OWN_CAR_AGE: null,
      NAME_CONTRACT_TYPE: "Cash loans",
    });
    expect(applicationRecord(parsed)).toEqual({ AMT_CREDIT: 406597.5, NAME_CONTRACT_TYPE: "Cash loans" });
  });
});

describe("retryRead", () => {
  const busy = new Error(
    "D1_ERROR: Failed to parse body as JSON, got: Error: internal error; reference = x",
    {
      cause: new Error("database is locked: SQLITE_BUSY"),
    },
  );

  it("retries a transient D1 failure with the given delays, then answers", async () => {
    const slept: number[] = [];
    let calls = 0;
    const value = await retryRead(
      async () => {
        calls++;
        if (calls < 3) throw busy;
        return "rows";
      },
      [5, 10, 20],
      async (ms) => slept.push(ms),
    );
    expect(value).toBe("rows");
    expect(calls).toBe(3);
    expect(slept).toEqual([5, 10]);
  });

  it("gives up after the last delay, with the D1 error", async () => {
    let calls = 0;
    const read = retryRead(
      async () => {
        calls++;
        throw busy;
      },
      [1, 1],
      async () => {},
    );
    await expect(read).rejects.toBe(busy);
    expect(calls).toBe(3);
  });

  it("fails at once on a permanent error", async () => {
    let calls = 0;
    const permanent = new Error("D1_ERROR: no such table: client_vectors: SQLITE_ERROR");
    const read = retryRead(
      async () => {
        calls++;
        throw permanent;
      },
      [1, 1],
      async () => {},
    );
    await expect(read).rejects.toBe(permanent);
    expect(calls).toBe(1);
    expect(isTransientD1Error(permanent)).toBe(false);
    expect(isTransientD1Error(busy)).toBe(true);
  });
});

describe("the decision record's input vector in workerd", () => {
  it("is encoded natively (Uint8Array#toBase64) to the same text as the portable encoding, NaN canonical", () => {
    // The Worker writes records; replay and monitor read them in Node, which has no toBase64 yet.
    expect(typeof (Uint8Array.prototype as { toBase64?: unknown }).toBase64).toBe("function");
    const values = Float64Array.from({ length: 651 }, (_, i) =>
      i % 7 === 0 ? Number.NaN : i * 1.25 - 300.5,
    );
    values[3] = -Number.NaN;
    const expected = new Uint8Array(values.length * 4);
    const view = new DataView(expected.buffer);
    for (const [i, v] of values.entries()) view.setFloat32(i * 4, Number.isNaN(v) ? Number.NaN : v, true);
    let binary = "";
    for (const byte of expected) binary += String.fromCharCode(byte);
    const text = encodeInputVector(values);
    expect(text).toBe(btoa(binary));
    expect(Array.from(decodeInputVector(text, values.length))).toEqual(Array.from(Float32Array.from(values)));
  });
});

describe("the online store's hex() rows in workerd", () => {
  it("are decoded natively (Uint8Array.fromHex), every byte value in either case, and damaged text refused", () => {
    // The lookup reads packed clients as SQLite hex() text; Node, without fromHex, takes the portable loop.
    expect(typeof (Uint8Array as { fromHex?: unknown }).fromHex).toBe("function");
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const upper = Array.from(bytes, (b) => b.toString(16).padStart(2, "0").toUpperCase()).join("");
    expect(Array.from(hexBytes(upper))).toEqual(Array.from(bytes));
    expect(Array.from(hexBytes(upper.toLowerCase()))).toEqual(Array.from(bytes));
    expect(hexBytes("").length).toBe(0);
    for (const bad of ["ABC", "0G", "{}", "00 1"]) expect(() => hexBytes(bad)).toThrow(HexBytesError);
  });
});

describe("record lines as queue messages in workerd", () => {
  // Only the size counting is under test here: a line's other keys do not change it.
  const line = (application: Record<string, string>) =>
    ({ record_type: "decision", item: 7, application }) as unknown as RecordLine;

  it("count each line's UTF-8 bytes exactly, plus the queue's overhead, and refuse one over 128 KB by name", () => {
    const texts = [{ A: "Cash loans" }, { A: "Crédit à la consommation" }, { A: "贷款 💳" }];
    const messages = lineMessages(texts.map(line));
    const overhead = messages[0]!.bytes - new TextEncoder().encode(JSON.stringify(line(texts[0]!))).length;
    expect(overhead).toBeGreaterThan(0);
    messages.forEach((m, i) => {
      expect(m.message.body).toBe(JSON.stringify(line(texts[i]!)));
      expect(m.bytes - overhead).toBe(new TextEncoder().encode(m.message.body).length);
    });
    // 3 bytes per character: over the limit in bytes while far under it in characters.
    const big = line({ A: "€".repeat(Math.ceil(QUEUE_LIMITS.messageBytes / 3)) });
    expect(() => lineMessages([big])).toThrow(
      new RegExp(
        `decision record of item 7 is \\d+ bytes, over the queue's ${QUEUE_LIMITS.messageBytes}-byte`,
      ),
    );
  });
});
