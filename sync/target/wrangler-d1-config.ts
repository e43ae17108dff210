import { dirname, resolve } from "node:path";
import { UserError } from "../../lib/errors.ts";

/** The online store's D1 binding as wrangler.toml declares it: the Worker reads the same database. */
export const D1_BINDING = "DB";

export interface WranglerD1Config {
  /** The id wrangler's local mode keys its SQLite file by (preview_database_id, else database_id). */
  readonly localDatabaseId: string;
  readonly migrationsDir: string;
  readonly migrationsTable: string;
  /** Where `wrangler dev` keeps local state by default: .wrangler/state beside the config file. */
  readonly defaultPersistRoot: string;
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
  const databases: readonly D1DatabaseEntry[] = config.d1_databases;
  const database = databases.find((d) => d.binding === D1_BINDING);
  if (!database) throw new UserError(`${configPath} declares no D1 binding "${D1_BINDING}"`);
  const root = dirname(resolve(configPath));
  return {
    localDatabaseId: database.preview_database_id ?? database.database_id ?? D1_BINDING,
    migrationsDir: resolve(root, database.migrations_dir ?? "migrations"),
    migrationsTable: database.migrations_table ?? "d1_migrations",
    defaultPersistRoot: resolve(root, ".wrangler", "state"),
  };
}
