import { describe, expect, it } from "vitest";
import { decodeVector } from "../../online-store/packed-vector.ts";
import { backoffDelay, DEFAULT_RETRY, TransientError, withRetry } from "../../sync/retry.ts";
import { applicationJson, vectorRow } from "../../sync/source/vector-row.ts";
import { Checksum } from "../../sync/store/checksum.ts";
import { insertStatements } from "../../sync/store/vector-statements.ts";
import { LOCAL_LIMITS, REMOTE_LIMITS } from "../../sync/target/d1-limits.ts";

// The sync's pure parts, with their own inputs. (Whole syncs against real D1s are in the other sync tests.)

describe("retries", () => {
  it("back off exponentially with full jitter, capped, or as long as Retry-After asks", () => {
    const policy = { attempts: 8, baseDelayMs: 100, maxDelayMs: 1_000 };
    for (let attempt = 1; attempt <= 8; attempt++) {
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      expect(backoffDelay(policy, attempt, () => 0)).toBe(0);
      expect(backoffDelay(policy, attempt, () => 0.999_999)).toBe(Math.round(0.999_999 * ceiling));
    }
    expect(backoffDelay(policy, 1, () => 0.5, 700)).toBe(700);
    expect(backoffDelay(policy, 1, () => 0.5, 60_000)).toBe(policy.maxDelayMs);
  });

  it("retry transient failures until they pass, and stop at once on anything else", async () => {
    const delays: number[] = [];
    const hooks = { sleep: async (ms: number) => void delays.push(ms), random: () => 0.5 };
    let calls = 0;
    const flaky = () =>
      ++calls < 3 ? Promise.reject(new TransientError("HTTP 503")) : Promise.resolve("done");
    expect(await withRetry(flaky, DEFAULT_RETRY, hooks)).toBe("done");
    expect(calls).toBe(3);
    expect(delays).toEqual([0.5 * DEFAULT_RETRY.baseDelayMs, DEFAULT_RETRY.baseDelayMs]);

    calls = 0;
    const broken = () => {
      calls++;
      return Promise.reject(new Error("HTTP 400"));
    };
    await expect(withRetry(broken, DEFAULT_RETRY, hooks)).rejects.toThrow("HTTP 400");
    expect(calls).toBe(1);

    calls = 0;
    const down = () => {
      calls++;
      return Promise.reject(new TransientError("HTTP 429"));
    };
    await expect(withRetry(down, DEFAULT_RETRY, hooks)).rejects.toThrow(
      `HTTP 429 (gave up after ${DEFAULT_RETRY.attempts} attempts)`,
    );
    expect(calls).toBe(DEFAULT_RETRY.attempts);
  });
});

describe("checksums", () => {
  it("sum hash halves exactly past 2^53, in any order", () => {
    const rows = Array.from({ length: 3 * (1 << 20) + 7 }, (_, i) => ({
      hashHi: 0xffff_ffff - (i % 13),
      hashLo: (i * 2_654_435_761) >>> 0,
    }));
    const forward = new Checksum();
    for (const row of rows) forward.add(row);
    const backward = new Checksum();
    for (let i = rows.length - 1; i >= 0; i--) backward.add(rows[i]!);
    let hi = 0n;
    let lo = 0n;
    for (const row of rows) {
      hi += BigInt(row.hashHi);
      lo += BigInt(row.hashLo);
    }
    expect(hi > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(forward.toString()).toBe(`${hi}:${lo}`);
    expect(backward.toString()).toBe(forward.toString());
    expect(forward.rows).toBe(rows.length);
  });
});

describe("stored rows and the statements that write them", () => {
  const history = Float64Array.from({ length: 557 }, (_, i) => (i % 7 === 0 ? Number.NaN : i * 1.25 - 300));
  const application = {
    NAME_CONTRACT_TYPE: "Cash loans",
    AMT_CREDIT: 406597.5,
    OWN_CAR_AGE: null,
    CNT_CHILDREN: 0,
  };

  it("packs history for the Worker's decoder and keeps only non-null application values, in column order", () => {
    const row = vectorRow(100002, history, applicationJson(application));
    const decoded = decodeVector(Buffer.from(row.historyHex, "hex"), history.length);
    history.forEach((value, i) => {
      if (Number.isNaN(value)) expect(decoded[i]).toBeNaN();
      else expect(decoded[i]).toBe(Math.fround(value));
    });
    expect(row.application).toBe(
      JSON.stringify({ NAME_CONTRACT_TYPE: "Cash loans", CNT_CHILDREN: 0, AMT_CREDIT: 406597.5 }),
    );
    // The hash covers every stored part.
    const other = vectorRow(100003, history, row.application);
    expect([other.hashHi, other.hashLo]).not.toEqual([row.hashHi, row.hashLo]);
    expect(vectorRow(100002, history, row.application)).toEqual(row);
  });

  it("cuts multi-row inserts under D1's parameter and statement-size limits, every row once", () => {
    const rows = Array.from({ length: 500 }, (_, i) =>
      vectorRow(
        200_000 + i,
        history.map((v) => v + i),
        applicationJson({ ...application, NAME_TYPE_SUITE: "x".repeat(i * 7) }),
      ),
    );
    for (const limits of [LOCAL_LIMITS, REMOTE_LIMITS]) {
      const statements = insertStatements(42, rows, limits);
      for (const s of statements) {
        expect(s.params.length).toBeLessThanOrEqual(limits.maxBoundParameters);
        const paramBytes = s.params.reduce((n, p) => n + Buffer.byteLength(p ?? ""), 0);
        const size = Buffer.byteLength(s.sql) + (limits.paramsCountTowardStatement ? paramBytes : 0);
        expect(size).toBeLessThanOrEqual(limits.maxStatementBytes);
        expect((s.sql.match(/\?/g) ?? []).length).toBe(s.params.length);
      }
      const written = statements.flatMap((s) =>
        [...s.sql.matchAll(/\(42,(\d+),X'/g)].map((m) => Number(m[1])),
      );
      expect(written).toEqual(rows.map((r) => r.clientId));
      expect(statements.reduce((n, s) => n + s.rows, 0)).toBe(rows.length);
    }
    // Counting bound values in the size makes the remote statements smaller, hence more of them.
    expect(insertStatements(42, rows, REMOTE_LIMITS).length).toBeGreaterThan(
      insertStatements(42, rows, LOCAL_LIMITS).length,
    );
  });
});
