import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SyncReport } from "../../sync/run/sync-run.ts";
import { migratedD1State } from "../../test/support/sync/local-d1-state.ts";
import { measuredCli } from "../measured-cli.ts";
import type { RssSample } from "../process-memory.ts";

export interface SyncBenchRun {
  readonly label: string;
  readonly clients: number;
  /** The CLI from spawn to exit (startup, lease, read, write, verify, activate). */
  readonly wallSeconds: number;
  /** The sync itself, as it reports it (after startup). */
  readonly syncSeconds: number;
  readonly clientsPerSecond: number;
  readonly peakRss: { readonly cli: number; readonly workerd: number; readonly total: number };
  /** RSS of the whole tree at each tenth of the run: flat memory shows as a flat row. */
  readonly rssByDecile: readonly number[];
  readonly settings: Readonly<Record<string, string>>;
}

/**
 * One full sync of a DuckDB warehouse into a fresh, migrated local D1, run as the operator runs it (the CLI
 * in a child process), its process tree's memory sampled throughout.
 */
export async function benchSync(
  label: string,
  warehousePath: string,
  settings: Record<string, string> = {},
): Promise<SyncBenchRun> {
  const dir = mkdtempSync(join(tmpdir(), "credit-edge-bench-sync-"));
  try {
    const state = await migratedD1State(join(dir, "state"));
    const run = await measuredCli<SyncReport>(["sync", "--json", "--persist-to", state], {
      CREDIT_EDGE_DUCKDB: warehousePath,
      ...settings,
    });
    const report = run.result;
    return {
      label,
      clients: report.rows,
      wallSeconds: run.wallSeconds,
      syncSeconds: report.seconds,
      clientsPerSecond: report.clientsPerSecond,
      peakRss: peaks(run.samples),
      rssByDecile: deciles(run.samples),
      settings,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function peaks(samples: readonly RssSample[]) {
  return {
    cli: Math.max(0, ...samples.map((s) => s.root)),
    workerd: Math.max(0, ...samples.map((s) => s.children)),
    total: Math.max(0, ...samples.map((s) => s.root + s.children)),
  };
}

function deciles(samples: readonly RssSample[]): number[] {
  if (samples.length === 0) return [];
  const end = samples.at(-1)!.atMs;
  return Array.from({ length: 10 }, (_, d) => {
    const at = ((d + 1) / 10) * end;
    const sample = samples.find((s) => s.atMs >= at) ?? samples.at(-1)!;
    return sample.root + sample.children;
  });
}
