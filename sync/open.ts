import { join, resolve } from "node:path";
import { PROJECT_ROOT } from "../lib/paths.ts";
import { duckDbPath, openWarehouse } from "../warehouse/config.ts";
import type { WarehouseKind } from "../warehouse/warehouse.ts";
import type { SyncLog } from "./log.ts";
import { DEFAULT_RETRY, type RetryHooks } from "./retry.ts";
import { envSettings } from "./settings.ts";
import { openDuckDbSnapshot } from "./source/duckdb-snapshot.ts";
import type { SnapshotSource } from "./source/snapshot-source.ts";
import { openWarehouseSnapshot } from "./source/warehouse-snapshot.ts";
import type { D1Target, TargetKind } from "./target/d1-target.ts";
import { openRemoteD1 } from "./target/remote-d1.ts";

/** wrangler.toml: the D1 bindings (the shard layout), local state and migrations, shared with the Worker. */
export const WRANGLER_CONFIG = join(PROJECT_ROOT, "wrangler.toml");

/**
 * The wrangler config the online store's layout is read from: --config, else CREDIT_EDGE_WRANGLER_CONFIG,
 * else the project's wrangler.toml (e.g. `credit-edge start --shards 4` generates one with four shards).
 */
export function wranglerConfigPath(option?: string): string {
  return resolve(option || process.env.CREDIT_EDGE_WRANGLER_CONFIG || WRANGLER_CONFIG);
}

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
  /** The wrangler config with the layout (wranglerConfigPath()). */
  configPath?: string;
  log?: SyncLog;
}

export async function openTarget(kind: TargetKind, options: TargetOptions = {}): Promise<D1Target> {
  const retryHooks: RetryHooks = {
    onRetry: (error, attempt, delayMs) =>
      options.log?.warn("retry", `${error.message}: retry ${attempt} in ${delayMs} ms`, {
        attempt,
        delay_ms: delayMs,
      }),
  };
  const configPath = options.configPath ?? wranglerConfigPath();
  const common = {
    configPath,
    defaultConfig: configPath === WRANGLER_CONFIG,
    retry: DEFAULT_RETRY,
    retryHooks,
  };
  if (kind === "remote") return openRemoteD1({ ...common, importPollMs: envSettings().importPollMs });
  // Miniflare loads only for the local target (it takes a remote run ~0.7 s to import).
  const { openLocalD1 } = await import("./target/local-d1.ts");
  return openLocalD1({ ...common, ...(options.persistTo ? { persistTo: options.persistTo } : {}) });
}
