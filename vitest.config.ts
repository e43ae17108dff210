import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;

export default defineConfig({
  test: {
    // The Worker's structured request log, one line per request: tests assert on it, the run log needn't show it.
    onConsoleLog: (log) => !log.startsWith('{"level":'),
    projects: [
      {
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          environment: "node",
          // Generous: two files at a time beside the workerd project's process (scripts/run-tests.mjs) on 2
          // cores, the slowest test (train's, with its own limit aside) takes ~35 s.
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Two at a time, not vitest's cores-1 (one here): the heavy files wait on wrangler, miniflare and
          // the BigQuery emulator as often as they compute. Files that read the shared sample warehouse open
          // it read-only or copy it (test/support/sample-warehouse.ts).
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
