import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { PROJECT_ROOT } from "../../../lib/paths.ts";
import { OFFLINE_WRANGLER_ENV } from "./local-d1-state.ts";

/** A JSON line the sync logged on stderr (sync.* events, progress lines). */
export type LogLine = Record<string, unknown> & { event?: string };

/**
 * `credit-edge` run as a child process in its own process group, so a test can kill it the way an operator
 * or a crash would: the CLI and the workerd it started go down together, leaving no process behind.
 */
export class CliProcess {
  readonly lines: LogLine[] = [];
  stdout = "";
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private waiters: { test: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];

  constructor(args: readonly string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, [join(PROJECT_ROOT, "bin", "credit-edge.mjs"), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...OFFLINE_WRANGLER_ENV, CREDIT_EDGE_PROGRESS: "json", ...env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout!.on("data", (d) => {
      this.stdout += d;
    });
    createInterface({ input: this.child.stderr! }).on("line", (text) => {
      this.stderr += `${text}\n`;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        return;
      }
      this.lines.push(line);
      this.waiters = this.waiters.filter((w) => {
        if (!w.test(line)) return true;
        w.resolve(line);
        return false;
      });
    });
    this.exited = new Promise((resolve) =>
      this.child.on("exit", (code, signal) => resolve({ code, signal })),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The first log line (past or future) that passes `test`; rejects if the process exits first. */
  waitFor(test: (line: LogLine) => boolean): Promise<LogLine> {
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return Promise.race([
      new Promise<LogLine>((resolve) => this.waiters.push({ test, resolve })),
      this.exited.then((exit) => {
        throw new Error(`exited (${exit.code ?? exit.signal}) before the awaited line:\n${this.stderr}`);
      }),
    ]);
  }

  /** Signal the whole process group (the CLI and its workerd). */
  kill(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
  }
}

/** Run to completion. */
export async function runCliToEnd(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string; lines: LogLine[] }> {
  const cli = new CliProcess(args, env);
  const { code } = await cli.exited;
  return { code, stdout: cli.stdout, stderr: cli.stderr, lines: cli.lines };
}
