import { type ChildProcess, spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../lib/paths.ts";
import { OFFLINE_WRANGLER_ENV } from "./sync/local-d1-state.ts";

const WRANGLER = join(PROJECT_ROOT, "node_modules", ".bin", "wrangler");

/** A free loopback port, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export interface DevServer {
  url: string;
  /** wrangler's inspector proxy (Chrome DevTools protocol) for the Worker: CPU profiles, heap. */
  inspectorPort: number;
  /** Milliseconds from spawn until ready. */
  startupMs: number;
  /** wrangler's process id (its workerd is a descendant, in the same process group). */
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** wrangler's --persist-to: the local D1 (and other state) the Worker serves. */
  persistTo: string;
  /** --var NAME:VALUE for each entry (secrets such as SCORING_API_KEYS included). */
  vars: Record<string, string>;
  /**
   * A prebuilt bundle (`wrangler deploy --dry-run --outdir`), served with --no-bundle: no rebuild when
   * someone edits a source file mid-run. Without it, wrangler bundles wrangler.toml's main itself.
   */
  bundle?: string;
  env?: NodeJS.ProcessEnv;
  /** The wrangler config (default wrangler.toml), e.g. one with shard bindings. */
  config?: string;
  /** Another entry point than the config's main (bundled by wrangler), e.g. a bench's instrumented one. */
  entry?: string;
}

/**
 * `wrangler dev --local` on 127.0.0.1 in its own process group (so stopping it stops its workerd too),
 * ready once wrangler says "Ready on" and the port accepts connections: no HTTP request is made, the first
 * one is the caller's. `output()` is what it printed (the Worker's log lines included).
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const port = await freePort();
  const inspector = await freePort();
  const args = [
    "dev",
    ...(options.bundle
      ? [join(options.bundle, "index.js"), "--no-bundle"]
      : options.entry
        ? [options.entry]
        : []),
    "--config",
    options.config ?? join(PROJECT_ROOT, "wrangler.toml"),
    "--local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspector),
    "--persist-to",
    options.persistTo,
  ];
  for (const [name, value] of Object.entries(options.vars)) args.push("--var", `${name}:${value}`);
  const started = performance.now();
  const child: ChildProcess = spawn(WRANGLER, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...OFFLINE_WRANGLER_ENV, ...options.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (d: Buffer) => {
    output += d;
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.pid) process.kill(-child.pid, "SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null && child.pid) process.kill(-child.pid, "SIGKILL");
  };
  const ready = () => output.includes(`Ready on http://127.0.0.1:${port}`);
  try {
    for (let waited = 0; !(ready() && (await accepts(port))); waited += 50) {
      if (child.exitCode !== null || waited > 60_000)
        throw new Error(`wrangler dev did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    inspectorPort: inspector,
    startupMs: performance.now() - started,
    pid: child.pid!,
    output: () => output,
    stop,
  };
}
