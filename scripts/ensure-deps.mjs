#!/usr/bin/env node
// Runs before `npm start` and `npm test` (plain Node, no dependencies), so a fresh clone needs no other
// command: installs the locked npm packages when they are missing or stale, and with --system checks
// the native libraries the tests need (XGBoost's C library, Chromium), installing them with apt-get
// where that is possible without a password.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { requireSupportedNode } from "./require-node.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const say = (text) => process.stderr.write(`[deps] ${text}\n`);

requireSupportedNode();

// npm packages: `npm ci` when node_modules is absent or was installed from another lockfile.
const lock = createHash("sha256")
  .update(readFileSync(join(root, "package-lock.json")))
  .digest("hex");
const stamp = join(root, "node_modules", ".credit-edge-lock");
// --stamp: the caller has just run `npm ci` itself (.ci/run): record it, so npm test does not run it again.
if (process.argv.includes("--stamp")) {
  writeFileSync(stamp, lock);
  process.exit(0);
}
if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== lock) {
  say("installing npm packages (npm ci)...");
  const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: "skip" };
  const result = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit", env });
  if (result.status !== 0) process.exit(result.status ?? 1);
  writeFileSync(stamp, lock);
}

if (!process.argv.includes("--system")) process.exit(0);

const hasXGBoost = () => {
  if (process.env.XGBOOST_LIBRARY) return existsSync(process.env.XGBOOST_LIBRARY);
  if (process.platform === "darwin")
    return ["/opt/homebrew/lib", "/usr/local/lib"].some((d) => existsSync(join(d, "libxgboost.dylib")));
  try {
    return /libxgboost\.so/.test(execFileSync("ldconfig", ["-p"], { encoding: "utf8" }));
  } catch {
    return false;
  }
};
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const missing = [];
if (!hasXGBoost()) missing.push("libxgboost-dev");
if (!existsSync(chromium)) missing.push("chromium");
if (missing.length === 0) process.exit(0);

const root_ = process.getuid?.() === 0;
const sudo = !root_ && spawnSync("sudo", ["-n", "true"]).status === 0;
if (process.platform === "linux" && existsSync("/usr/bin/apt-get") && (root_ || sudo)) {
  say(`installing ${missing.join(" and ")} with apt-get (needed by the tests)...`);
  const run = (args) => {
    const result = spawnSync(root_ ? args[0] : "sudo", root_ ? args.slice(1) : args, {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    if (result.status !== 0) process.exit(result.status ?? 1);
  };
  run(["apt-get", "update", "-qq"]);
  run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", ...missing]);
  process.exit(0);
}
say(
  `the tests need ${missing.join(" and ")}: on Debian/Ubuntu \`sudo apt-get install ${missing.join(" ")}\`; ` +
    "on macOS `brew install xgboost` and a Chromium at CHROMIUM_PATH (or set XGBOOST_LIBRARY to libxgboost's path).",
);
process.exit(1);
