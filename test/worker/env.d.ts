import type { D1Migration } from "cloudflare:test";
import "../support/worker-test-context.ts";

declare global {
  namespace Cloudflare {
    interface Env {
      /** The migrations/ folder, read in Node by the vitest config. */
      TEST_MIGRATIONS: D1Migration[];
      SCORING_API_KEYS: string;
      /** Spare databases for the shard tests (vitest.config.ts). */
      TEST_SHARD_0: D1Database;
      TEST_SHARD_1: D1Database;
      TEST_SHARD_2: D1Database;
    }
    /** Types `exports.default` (the Worker under test) from cloudflare:workers. */
    interface GlobalProps {
      mainModule: typeof import("../../worker/index.ts");
    }
  }
}
