import type { D1Migration } from "cloudflare:test";
import "../support/worker-test-context.ts";

declare global {
  namespace Cloudflare {
    interface Env {
      /** The migrations/ folder, read in Node by the vitest config. */
      TEST_MIGRATIONS: D1Migration[];
      SCORING_API_KEYS: string;
    }
    /** Types `exports.default` (the Worker under test) from cloudflare:workers. */
    interface GlobalProps {
      mainModule: typeof import("../../worker/index.ts");
    }
  }
}
