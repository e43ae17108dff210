import { InvalidArgumentError } from "commander";

/**
 * Tuning with defaults, overridable from the environment (cron jobs set env, not flags). Flags of the same
 * meaning (--keep, --page-size) win over these.
 */
export const SYNC_DEFAULTS = {
  /** Completed versions kept per feature schema, the active one included: one to roll back to, one spare. */
  keep: 3,
  /** Clients per source page and at most per write request. */
  pageSize: 500,
  /** Write requests open at once: one writing while the next is prepared, one queued. */
  maxInFlight: 2,
  /** A crashed sync blocks others for at most this long; renewed every third of it while running. */
  leaseTtlMs: 60_000,
  /** DuckDB's memory for the source scan (its hash join spills to disk beyond it). */
  duckDbMemory: "1GB",
  /**
   * Seconds a superseded version's rows outlive its supersession: longer than any replica's lag and any
   * isolate's cached shard route (SHARD_ROUTE_CACHE_SECONDS), so nothing still reading it finds it gone.
   */
  gcGraceSeconds: 3_600,
  /** An import file is cut at this size: each is one init/upload/ingest/poll round, retried whole. */
  importFileMegabytes: 64,
  /** Between polls of a running import. */
  importPollMs: 1_000,
} as const;

/** Seconds, zero allowed (e.g. --gc-grace 0 in a test that wants garbage collected at once). */
export function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new InvalidArgumentError("a whole number of seconds, 0 or more");
  return n;
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("a positive integer");
  return n;
}

function fromEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === "") return fallback;
  try {
    return positiveInteger(value);
  } catch {
    throw new InvalidArgumentError(`${name} must be a positive integer, not "${value}"`);
  }
}

export function envSettings() {
  return {
    maxInFlight: fromEnv("CREDIT_EDGE_SYNC_IN_FLIGHT", SYNC_DEFAULTS.maxInFlight),
    leaseTtlMs: fromEnv("CREDIT_EDGE_SYNC_LEASE_TTL_MS", SYNC_DEFAULTS.leaseTtlMs),
    duckDbMemory: process.env.CREDIT_EDGE_SYNC_DUCKDB_MEMORY || SYNC_DEFAULTS.duckDbMemory,
    importFileBytes:
      fromEnv("CREDIT_EDGE_SYNC_IMPORT_FILE_MB", SYNC_DEFAULTS.importFileMegabytes) * 1_000_000,
    importPollMs: fromEnv("CREDIT_EDGE_SYNC_IMPORT_POLL_MS", SYNC_DEFAULTS.importPollMs),
  };
}
