#!/usr/bin/env node
// `npm test`'s test step: the Node project and the workerd project in two vitest processes side by side.
// One vitest process runs its projects' files in one pool of workers, and each project here wants its own
// width (the Node files two at a time, the workerd files one at a time), so a second process lets them
// overlap instead. The workerd side's output is held and printed whole when it ends, so the two logs
// never interleave. With arguments (`npm test -- test/node/score.test.ts`), one vitest run takes them.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const vitest = fileURLToPath(new URL("../node_modules/vitest/vitest.mjs", import.meta.url));
const args = process.argv.slice(2);

/** Runs vitest with the arguments; `held` keeps its output until it exits. Resolves to its exit code. */
function run(vitestArgs, { held = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vitest, "run", ...vitestArgs], {
      cwd: root,
      stdio: held ? ["ignore", "pipe", "pipe"] : "inherit",
      env: held ? { ...process.env, FORCE_COLOR: process.stdout.isTTY ? "1" : "0" } : process.env,
    });
    const output = [];
    if (held) {
      child.stdout.on("data", (chunk) => output.push(chunk));
      child.stderr.on("data", (chunk) => output.push(chunk));
    }
    child.on("error", (error) => {
      process.stderr.write(`[test] could not start vitest: ${error.message}\n`);
      resolve(1);
    });
    child.on("close", (code, signal) => {
      if (held) {
        process.stdout.write(
          `\n[test] vitest ${vitestArgs.join(" ")}: ${code === 0 ? "passed" : "FAILED"}\n`,
        );
        process.stdout.write(Buffer.concat(output));
      }
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

const codes =
  args.length > 0
    ? [await run(args)]
    : await Promise.all([run(["--project", "node"]), run(["--project", "worker"], { held: true })]);
const failed = codes.some((code) => code !== 0);
if (args.length === 0)
  process.stdout.write(`\n[test] node project: exit ${codes[0]}, worker project: exit ${codes[1]}\n`);
process.exit(failed ? 1 : 0);
