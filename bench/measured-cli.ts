import { spawn } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "../lib/paths.ts";
import { OFFLINE_WRANGLER_ENV } from "../test/support/sync/local-d1-state.ts";
import { type RssSample, TreeRssSampler } from "./process-memory.ts";

export interface MeasuredRun<T> {
  /** The command's --json output. */
  readonly result: T;
  /** From spawn to exit. */
  readonly wallSeconds: number;
  /** Peak resident memory: the CLI itself, and its children (the workerd of a local target). */
  readonly peakRss: { readonly cli: number; readonly workerd: number };
  /** The process tree's memory through the run (every 250 ms). */
  readonly samples: readonly RssSample[];
}

/** `credit-edge <args>` in a child process, as the operator runs it, its process tree's memory sampled. */
export async function measuredCli<T>(
  args: readonly string[],
  env: Record<string, string>,
): Promise<MeasuredRun<T>> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(PROJECT_ROOT, "bin", "credit-edge.mjs"), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...OFFLINE_WRANGLER_ENV, CREDIT_EDGE_PROGRESS: "none", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
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
  const samples: RssSample[] = sampler.stop();
  const wallSeconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`credit-edge ${args.join(" ")} failed (${code}):\n${stderr.slice(-3000)}`);
  return {
    result: JSON.parse(stdout) as T,
    wallSeconds,
    peakRss: {
      cli: Math.max(0, ...samples.map((s) => s.root)),
      workerd: Math.max(0, ...samples.map((s) => s.children)),
    },
    samples,
  };
}
