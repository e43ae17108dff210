import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../lib/paths.ts";
import type { SyncReport } from "../../sync/run/sync-run.ts";
import { migratedD1State, OFFLINE_WRANGLER_ENV } from "../../test/support/sync/local-d1-state.ts";
import { type RssSample, TreeRssSampler } from "./process-tree-memory.ts";

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
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [join(PROJECT_ROOT, "bin", "credit-edge.mjs"), "sync", "--json", "--persist-to", state],
      {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          ...OFFLINE_WRANGLER_ENV,
          CREDIT_EDGE_DUCKDB: warehousePath,
          CREDIT_EDGE_PROGRESS: "none",
          ...settings,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const sampler = new TreeRssSampler(child.pid!);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    const samples = sampler.stop();
    const wallSeconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`sync of ${warehousePath} failed (${code}):\n${stderr}`);
    const report = JSON.parse(stdout) as SyncReport;
    return {
      label,
      clients: report.rows,
      wallSeconds,
      syncSeconds: report.seconds,
      clientsPerSecond: report.clientsPerSecond,
      peakRss: peaks(samples),
      rssByDecile: deciles(samples),
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
