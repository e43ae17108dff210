import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;

/** The Node files that train, sync through wrangler/miniflare or run the BigQuery emulator (30-80 s each). */
const SERIAL_NODE_FILES = ["test/node/train.test.ts", "test/node/keys.test.ts", "test/node/sync-*.test.ts"];

export default defineConfig({
  test: {
    // The Worker's structured request log, one line per request: tests assert on it, the run log needn't show it.
    onConsoleLog: (log) => !log.startsWith('{"level":'),
    projects: [
      {
        test: {
          name: "node",
          include: SERIAL_NODE_FILES,
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // DuckDB, the BigQuery emulator, wrangler and the trainer are heavy on a 2-core machine: one at a time.
          fileParallelism: false,
        },
      },
      {
        // The rest of the Node files (each under ~25 s), two at a time: vitest runs them before the serial ones.
        test: {
          name: "node-parallel",
          include: ["test/node/**/*.test.ts"],
          exclude: SERIAL_NODE_FILES,
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
          maxWorkers: 2,
        },
      },
      {
        // The Worker inside workerd (miniflare): bindings, [[rules]] and the main module from wrangler.toml,
        // a real local D1 with the migrations applied per test file (test/worker/apply-migrations.ts).
        plugins: [
          cloudflareTest(async ({ inject }) => {
            const { apiKeysBinding, jwt } = inject("workerTest");
            return {
              wrangler: { configPath: path.join(root, "wrangler.toml") },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: await readD1Migrations(path.join(root, "migrations")),
                  SCORING_API_KEYS: apiKeysBinding,
                  JWT_ISSUER: jwt.issuer,
                  JWT_AUDIENCE: jwt.audience,
                  JWT_JWKS: jwt.jwks,
                  // Every test file's isolate evaluates worker/index.ts: only files that score load ORT.
                  LOAD_MODEL_AT_STARTUP: "false",
                },
                // Spare D1 databases the shard tests bind as DB_SHARD_<k> (merged with wrangler.toml's DB);
                // named otherwise, so every other test sees the one-database layout.
                d1Databases: {
                  TEST_SHARD_0: "test-shard-0",
                  TEST_SHARD_1: "test-shard-1",
                  TEST_SHARD_2: "test-shard-2",
                },
              },
            };
          }),
        ],
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts"],
          // Node side: fresh credentials, a loopback JWKS server, the offline scores to compare with.
          globalSetup: ["test/support/worker-global-setup.ts"],
          setupFiles: ["test/worker/apply-migrations.ts"],
          // A file that scores loads onnxruntime-web's 14 MB wasm into its isolate (~8 s on 2 cores).
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
