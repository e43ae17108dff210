import { join } from "node:path";
import { PROJECT_ROOT } from "../lib/paths.ts";
import { duckDbPath, openWarehouse } from "../warehouse/config.ts";
import type { WarehouseKind } from "../warehouse/warehouse.ts";
import type { SyncLog } from "./log.ts";
import { DEFAULT_RETRY, type RetryHooks } from "./retry.ts";
import { openDuckDbSnapshot } from "./source/duckdb-snapshot.ts";
import type { SnapshotSource } from "./source/snapshot-source.ts";
import { openWarehouseSnapshot } from "./source/warehouse-snapshot.ts";
import type { D1Target, TargetKind } from "./target/d1-target.ts";
import { openLocalD1 } from "./target/local-d1.ts";
import { openRemoteD1 } from "./target/remote-d1.ts";

/** wrangler.toml: the D1 binding, its local state and migrations, shared with the Worker. */
export const WRANGLER_CONFIG = join(PROJECT_ROOT, "wrangler.toml");

export async function openSource(
  kind: WarehouseKind,
  options: { duckDbMemory: string },
): Promise<SnapshotSource> {
  if (kind === "duckdb") {
    return openDuckDbSnapshot({ path: duckDbPath(), memoryLimit: options.duckDbMemory, threads: 2 });
  }
  const warehouse = await openWarehouse(kind);
  try {
    return await openWarehouseSnapshot(warehouse);
  } catch (error) {
    await warehouse.close();
    throw error;
  }
}

export interface TargetOptions {
  /** Local target: wrangler's --persist-to (the state root). */
  persistTo?: string;
  log?: SyncLog;
}

export function openTarget(kind: TargetKind, options: TargetOptions = {}): Promise<D1Target> {
  const retryHooks: RetryHooks = {
    onRetry: (error, attempt, delayMs) =>
      options.log?.warn("retry", `${error.message}: retry ${attempt} in ${delayMs} ms`, {
        attempt,
        delay_ms: delayMs,
      }),
  };
  const common = { configPath: WRANGLER_CONFIG, retry: DEFAULT_RETRY, retryHooks };
  if (kind === "remote") return openRemoteD1(common);
  return openLocalD1({ ...common, ...(options.persistTo ? { persistTo: options.persistTo } : {}) });
}
