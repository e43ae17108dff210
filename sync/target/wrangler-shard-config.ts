import { readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { shardBinding, standbyBinding } from "../../online-store/shard-layout.ts";
import { WRANGLER_CONFIG } from "../open.ts";

export interface ShardConfigOptions {
  readonly shards: number;
  /** Also a standby database per shard (bulk imports). */
  readonly standby?: boolean;
  /** The database_id of each added binding (default: a local-only id named after the binding). */
  readonly databaseId?: (binding: string) => string;
  /** The config to extend (default: the project's wrangler.toml). */
  readonly base?: string;
}

/**
 * A wrangler config with N shard databases: the project's wrangler.toml (every other setting as it is,
 * `DB` as the control database) plus `[[d1_databases]]` for DB_SHARD_0 … DB_SHARD_<N-1> (and their
 * standbys). TOML lets the array's tables follow the others, so the base text is kept verbatim. Written
 * beside the base so its relative paths (main, assets, migrations) hold; what `credit-edge start --shards N`
 * serves and syncs, and what the sharded tests use.
 */
export function shardConfigText(options: ShardConfigOptions): string {
  if (!Number.isSafeInteger(options.shards) || options.shards < 1)
    throw new Error(`not a shard count: ${options.shards}`);
  const base = readFileSync(options.base ?? WRANGLER_CONFIG, "utf8");
  const id =
    options.databaseId ?? ((binding: string) => `local-${binding.toLowerCase().replaceAll("_", "-")}`);
  const block = (binding: string) =>
    [
      "",
      "[[d1_databases]]",
      `binding = "${binding}"`,
      `database_name = "credit-edge-${binding.toLowerCase().replaceAll("_", "-")}"`,
      `database_id = "${id(binding)}"`,
      'migrations_dir = "migrations"',
    ].join("\n");
  const blocks: string[] = [];
  for (let k = 0; k < options.shards; k++) {
    blocks.push(block(shardBinding(k)));
    if (options.standby) blocks.push(block(standbyBinding(k)));
  }
  return `${base.trimEnd()}\n\n# Generated: ${options.shards} shard(s)${options.standby ? " with standbys" : ""} (sync/target/wrangler-shard-config.ts).${blocks.join("\n")}\n`;
}

/** Write the config as `wrangler.<name>.toml` beside the base; returns its path. */
export function writeShardConfig(name: string, options: ShardConfigOptions): string {
  const base = options.base ?? WRANGLER_CONFIG;
  const path = join(dirname(base), `${basename(base, ".toml")}.${name}.toml`);
  writeFileSync(path, shardConfigText(options));
  return path;
}
