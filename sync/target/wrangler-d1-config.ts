import { dirname, resolve } from "node:path";
import { UserError } from "../../lib/errors.ts";
import {
  CONTROL_BINDING,
  layoutBindings,
  type ShardLayout,
  ShardLayoutError,
  shardLayoutOf,
} from "../../online-store/shard-layout.ts";

/** The online store's control D1 binding as wrangler.toml declares it: the Worker reads the same database. */
export const D1_BINDING = CONTROL_BINDING;

export interface D1DatabaseConfig {
  readonly binding: string;
  /** Cloudflare's id of the database (database_id), for the remote target. */
  readonly databaseId: string | undefined;
  /** The id wrangler's local mode keys the database's SQLite file by (preview_database_id, else database_id). */
  readonly localDatabaseId: string;
}

export interface WranglerD1Config {
  /** The file read: the layout's one place (its `[[d1_databases]]`). */
  readonly configPath: string;
  /** The control database's local id (what the one-database layout's SQLite file is keyed by). */
  readonly localDatabaseId: string;
  readonly migrationsDir: string;
  readonly migrationsTable: string;
  /** Where `wrangler dev` keeps local state by default: .wrangler/state beside the config file. */
  readonly defaultPersistRoot: string;
  /** Control, shards and standbys, from the binding names (online-store/shard-layout.ts). */
  readonly layout: ShardLayout;
  /** Every database of the layout, by binding. */
  readonly databases: ReadonlyMap<string, D1DatabaseConfig>;
}

interface D1DatabaseEntry {
  binding: string;
  database_id?: string;
  preview_database_id?: string;
  migrations_dir?: string;
  migrations_table?: string;
}

/** Read through wrangler's own config reader, so every wrangler.toml rule (environments, defaults) applies. */
export async function readWranglerD1Config(configPath: string): Promise<WranglerD1Config> {
  const { unstable_readConfig } = await import("wrangler");
  const config = unstable_readConfig({ config: configPath });
  const entries: readonly D1DatabaseEntry[] = config.d1_databases;
  const root = dirname(resolve(configPath));
  let layout: ShardLayout;
  try {
    layout = shardLayoutOf(entries.map((d) => d.binding));
  } catch (error) {
    if (error instanceof ShardLayoutError) throw new UserError(`${configPath}: ${error.message}`);
    throw error;
  }
  const control = entries.find((d) => d.binding === D1_BINDING)!;
  const migrationsDir = resolve(root, control.migrations_dir ?? "migrations");
  const migrationsTable = control.migrations_table ?? "d1_migrations";
  const databases = new Map<string, D1DatabaseConfig>();
  for (const binding of layoutBindings(layout)) {
    const entry = entries.find((d) => d.binding === binding)!;
    // One schema for every database of the layout: the same migrations, tracked the same way.
    const dir = resolve(root, entry.migrations_dir ?? "migrations");
    if (dir !== migrationsDir || (entry.migrations_table ?? "d1_migrations") !== migrationsTable) {
      throw new UserError(
        `${configPath}: D1 binding ${binding} must use the migrations of ${D1_BINDING} (${migrationsDir}, table ${migrationsTable})`,
      );
    }
    databases.set(binding, {
      binding,
      databaseId: entry.database_id,
      localDatabaseId: entry.preview_database_id ?? entry.database_id ?? binding,
    });
  }
  return {
    configPath: resolve(configPath),
    localDatabaseId: databases.get(D1_BINDING)!.localDatabaseId,
    migrationsDir,
    migrationsTable,
    defaultPersistRoot: resolve(root, ".wrangler", "state"),
    layout,
    databases,
  };
}
