import { describe, expect, it } from "vitest";
import { decodeClient } from "../../online-store/packed-client.ts";
import { shardOf } from "../../online-store/shard-layout.ts";
import { backoffDelay, DEFAULT_RETRY, TransientError, withRetry } from "../../sync/retry.ts";
import { prefetch } from "../../sync/run/prefetch.ts";
import { vectorRow } from "../../sync/source/vector-row.ts";
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

  it("packs history and the stored application columns for the Worker's decoder, and hashes what it stores", () => {
    const row = vectorRow(100002, history, application);
    const decoded = decodeClient(Buffer.from(row.packedHex, "hex"), history.length);
    history.forEach((value, i) => {
      if (Number.isNaN(value)) expect(decoded.history[i]).toBeNaN();
      else expect(decoded.history[i]).toBe(Math.fround(value));
    });
    expect(decoded.application).toEqual({
      NAME_CONTRACT_TYPE: "Cash loans",
      CNT_CHILDREN: 0,
      AMT_CREDIT: 406597.5,
    });
    // The hash covers every stored part.
    const other = vectorRow(100003, history, application);
    expect([other.hashHi, other.hashLo]).not.toEqual([row.hashHi, row.hashLo]);
    const changed = vectorRow(100002, history, { ...application, AMT_CREDIT: 406598 });
    expect([changed.hashHi, changed.hashLo]).not.toEqual([row.hashHi, row.hashLo]);
    expect(vectorRow(100002, history, application)).toEqual(row);
  });

  it("cuts multi-row inserts under D1's statement-size limit, every row once, binding nothing", () => {
    const rows = Array.from({ length: 500 }, (_, i) =>
      vectorRow(
        200_000 + i,
        history.map((v) => v + i),
        { ...application, NAME_TYPE_SUITE: "x".repeat(i * 7) },
      ),
    );
    for (const limits of [LOCAL_LIMITS, REMOTE_LIMITS]) {
      const statements = insertStatements(42, rows, limits);
      for (const s of statements) {
        expect(s.params).toEqual([]);
        expect(Buffer.byteLength(s.sql)).toBeLessThanOrEqual(limits.maxStatementBytes);
        // An upsert: a retried or resumed write leaves the row's content, whatever was there.
        expect(s.sql).toMatch(
          /ON CONFLICT \(feature_set_id, client_id\) DO UPDATE SET packed = excluded.packed/,
        );
      }
      const written = statements.flatMap((s) =>
        [...s.sql.matchAll(/\(42,(\d+),X'/g)].map((m) => Number(m[1])),
      );
      expect(written).toEqual(rows.map((r) => r.clientId));
      expect(statements.reduce((n, s) => n + s.rows, 0)).toBe(rows.length);
      expect(statements.length).toBeGreaterThan(1);
    }
  });
});

describe("the shard map", () => {
  it("is stable, spreads clients evenly and keeps one shard for N = 1", () => {
    const ids = Array.from({ length: 40_000 }, (_, i) => 100_002 + i * 7);
    for (const n of [3, 4, 8]) {
      const counts = new Array<number>(n).fill(0);
      for (const id of ids) counts[shardOf(id, n)]!++;
      for (const c of counts) expect(Math.abs(c - ids.length / n)).toBeLessThan((ids.length / n) * 0.05);
    }
    expect(ids.every((id) => shardOf(id, 1) === 0)).toBe(true);
    // Pinned values: a change here moves clients between shards, which needs a full sync into a new layout.
    expect([100002, 100003, 456255, 2 ** 40 + 5].map((id) => shardOf(id, 4))).toEqual([3, 3, 2, 3]);
  });
});

describe("prefetch", () => {
  async function* counted(log: string[]) {
    try {
      for (let i = 0; i < 3; i++) {
        log.push(`produce ${i}`);
        yield i;
      }
    } finally {
      log.push("closed");
    }
  }

  it("starts producing the first item at once and then yields every item in order", async () => {
    const log: string[] = [];
    const started = prefetch(counted(log));
    await Promise.resolve();
    expect(log).toEqual(["produce 0"]);
    const seen: number[] = [];
    for await (const item of started.items) seen.push(item);
    expect(seen).toEqual([0, 1, 2]);
    expect(log).toEqual(["produce 0", "produce 1", "produce 2", "closed"]);
  });

  it("closes its source when cancelled before iteration, and a failing first item is not unhandled", async () => {
    const log: string[] = [];
    await prefetch(counted(log)).cancel();
    expect(log).toEqual(["produce 0", "closed"]);
    async function* failing(): AsyncGenerator<number> {
      if (log.length > 0) throw new Error("warehouse gone");
      yield 0;
    }
    await prefetch(failing()).cancel();
    const consumed = prefetch(failing());
    await expect(
      (async () => {
        for await (const _ of consumed.items) void _;
      })(),
    ).rejects.toThrow("warehouse gone");
  });
});
