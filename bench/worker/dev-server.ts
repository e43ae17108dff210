import { type ChildProcess, spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../lib/paths.ts";

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
  /** Milliseconds from spawn until ready. */
  startupMs: number;
  output(): string;
  stop(): Promise<void>;
}

/**
 * `wrangler dev --local` of a prebuilt bundle (`--no-bundle`: no rebuild when someone edits a source file
 * mid-run) on 127.0.0.1 in its own process group (so stopping it stops its workerd too), ready
 * once wrangler says "Ready on" and the port accepts connections: no HTTP request is made, the first one is
 * the caller's. `output()` is what it printed (the Worker's log lines included).
 */
export async function startDevServer(
  wrangler: string,
  env: NodeJS.ProcessEnv,
  bundle: string,
  persistTo: string,
  vars: Record<string, string>,
): Promise<DevServer> {
  const port = await freePort();
  const inspector = await freePort();
  const args = [
    "dev",
    join(bundle, "index.js"),
    "--config",
    join(PROJECT_ROOT, "wrangler.toml"),
    "--no-bundle",
    "--local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspector),
  ];
  args.push("--persist-to", persistTo);
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  const started = performance.now();
  const child: ChildProcess = spawn(wrangler, args, {
    cwd: PROJECT_ROOT,
    env,
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
    startupMs: performance.now() - started,
    output: () => output,
    stop,
  };
}
