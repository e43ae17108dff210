import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seedLocalD1 } from "../../../bench/worker/seed-local-d1.ts";
import type { SeedClient } from "../d1-seed.ts";
import { sampleWarehousePath } from "../sample-warehouse.ts";
import { migratedD1State } from "../sync/local-d1-state.ts";
import { type DevServer, startDevServer } from "../wrangler-dev-server.ts";

/**
 * `wrangler dev --local` with its own state folder: local D1 migrated and seeded with `clients` sample
 * clients, the real local Queue and R2 that the Worker writes decision records through.
 */
export interface LocalStack {
  server: DevServer;
  state: string;
  home: string;
  clients: readonly SeedClient[];
  key: string;
  post(path: string, body: unknown): Promise<Response>;
  close(): Promise<void>;
}

export async function startLocalStack(options: {
  clients: number;
  vars?: Record<string, string>;
}): Promise<LocalStack> {
  const home = mkdtempSync(join(tmpdir(), "credit-edge-decisions-"));
  const state = join(home, "state");
  await migratedD1State(state);
  const { clients } = await seedLocalD1({
    warehousePath: await sampleWarehousePath(),
    persistTo: state,
    limit: options.clients,
  });
  const key = `test-key-${crypto.randomUUID()}`;
  const server = await startDevServer({
    persistTo: state,
    vars: { SCORING_API_KEYS: key, ALLOW_PLAIN_API_KEYS: "local-dev", ...options.vars },
  });
  return {
    server,
    state,
    home,
    clients,
    key,
    post: (path, body) =>
      fetch(`${server.url}${path}`, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      }),
    async close() {
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
