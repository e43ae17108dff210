import type { ShardLayout } from "../../online-store/shard-layout.ts";
import type { D1Client } from "./d1-client.ts";
import type { D1Importer } from "./d1-import.ts";
import type { D1Limits } from "./d1-limits.ts";

export type TargetKind = "local" | "remote";
export const TARGET_KINDS: readonly TargetKind[] = ["local", "remote"];

/** One D1 database of the layout, reached through the HTTP query API's shape. */
export interface TargetDatabase {
  /** Its binding in the wrangler config (DB, DB_SHARD_3, DB_SHARD_3_STANDBY). */
  readonly binding: string;
  /** Cloudflare's database id (remote), or the local id its SQLite file is keyed by. */
  readonly databaseId: string;
  readonly client: D1Client;
}

export interface TargetShard {
  readonly shard: number;
  readonly primary: TargetDatabase;
  readonly standby: TargetDatabase | null;
}

/** Where the online store is written: every database of a shard layout (online-store/shard-layout.ts). */
export interface D1Target {
  readonly kind: TargetKind;
  readonly layout: ShardLayout;
  /** The control database: lease, API keys, version records, shard routes. */
  readonly control: TargetDatabase;
  /** In shard order; in the one-database layout, shard 0's primary is the control database. */
  readonly shards: readonly TargetShard[];
  /** For messages and reports: "local D1 (...)" or "remote D1 <id>", plus the shard count when sharded. */
  readonly description: string;
  readonly limits: D1Limits;
  /** The migrations every database must have (wrangler's d1_migrations bookkeeping) and how to apply them. */
  readonly migrations: {
    readonly dir: string;
    readonly table: string;
    readonly applyCommand: (binding: string) => string;
  };
  /** D1's bulk import API (remote only). */
  readonly importer: D1Importer | null;
  close(): Promise<void>;
}

/** Every database of the target, control first, each once. */
export function targetDatabases(target: D1Target): TargetDatabase[] {
  const all = [target.control];
  for (const s of target.shards) {
    if (s.primary.binding !== target.control.binding) all.push(s.primary);
    if (s.standby) all.push(s.standby);
  }
  return all;
}

export function describeTarget(base: string, layout: ShardLayout): string {
  const n = layout.shards.length;
  return layout.shards[0]!.primary === layout.control
    ? base
    : `${base} with ${n} shard${n === 1 ? "" : "s"}${layout.standby ? " (and standbys)" : ""}`;
}
