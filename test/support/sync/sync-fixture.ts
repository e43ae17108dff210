import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { copySampleWarehouse } from "../sample-warehouse.ts";
import { migratedD1State } from "./local-d1-state.ts";

/**
 * A private world for a sync test: the sample warehouse (ingested and featured, copied) as CREDIT_EDGE_DUCKDB
 * under a temporary CREDIT_EDGE_HOME, and a wrangler state directory whose local D1 is migrated.
 */
export interface SyncFixture {
  readonly dir: string;
  readonly warehouse: string;
  /** The local target's --persist-to. */
  readonly state: string;
  /** The wrangler config with the layout (--config), when not the project's. */
  readonly config: string | undefined;
  readonly env: Record<string, string>;
  /** `credit-edge sync <args> --persist-to <state> [--config <config>]` */
  args(...args: string[]): string[];
  cleanup(): void;
}

export async function syncFixture(name: string, options: { config?: string } = {}): Promise<SyncFixture> {
  const dir = mkdtempSync(join(tmpdir(), `credit-edge-${name}-`));
  const home = join(dir, "home");
  const warehouse = await copySampleWarehouse(home);
  const state = await migratedD1State(join(dir, "state"), options.config);
  const { config } = options;
  return {
    dir,
    warehouse,
    state,
    config,
    env: { CREDIT_EDGE_HOME: home, CREDIT_EDGE_DUCKDB: warehouse },
    args: (...args) => [...args, "--persist-to", state, ...(config ? ["--config", config] : [])],
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      if (config) rmSync(config, { force: true });
    },
  };
}
