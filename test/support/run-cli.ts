import { spawn } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../lib/paths.ts";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `credit-edge <args>` as a user would, in a child process, with extra environment. */
export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 300_000,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, "bin", "credit-edge.mjs"), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CREDIT_EDGE_PROGRESS: "none", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
